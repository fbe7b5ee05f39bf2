// Shared objects loaded on demand (dlopen), so that a process pays for a library only
// when it uses it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace migrate::util {

/// A shared object loaded with dlopen for the rest of the process's life: never closed,
/// since code and data of it may be in use until exit.
class SharedLibrary {
 public:
  /// Loads the first of candidates that exists (a name without '/' is looked up as the
  /// dynamic loader does). Throws std::runtime_error naming every candidate tried and
  /// the loader's reason when none loads.
  static SharedLibrary load(const std::vector<std::string>& candidates);

  /// The address of symbol; throws std::runtime_error naming it and the library when absent.
  void* symbol(const char* name) const;

  /// The file it was loaded from, as given.
  const std::string& path() const { return m_path; }

 private:
  SharedLibrary(void* handle, std::string path) : m_handle(handle), m_path(std::move(path)) {}
  void* m_handle;
  std::string m_path;
};

/// The folder of the running executable (/proc/self/exe); empty when it cannot be read.
std::filesystem::path executable_dir();

/// A module of migrate's own (file, e.g. "libmigrate_pg.so"), loaded from beside the
/// executable (a build tree, a bundle) or from ../lib/migrate/ (an installed layout).
/// Throws std::runtime_error naming every path tried.
SharedLibrary load_module(const std::string& file);

}  // namespace migrate::util
