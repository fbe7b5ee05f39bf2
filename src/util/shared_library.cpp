// dlopen and dlsym behind SharedLibrary, and where the running executable lives.
#include "migrate/util/shared_library.hpp"

#include <dlfcn.h>

#include <stdexcept>
#include <system_error>

namespace migrate::util {

SharedLibrary SharedLibrary::load(const std::vector<std::string>& candidates) {
  std::string reasons;
  for (const std::string& candidate : candidates) {
    const bool is_path = candidate.find('/') != std::string::npos;
    std::error_code ec;
    if (is_path && !std::filesystem::exists(candidate, ec)) {
      reasons += "\n  " + candidate + ": no such file";
      continue;
    }
    // RTLD_NOW: a missing symbol is an error here, not a crash in the middle of a run.
    void* handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) return SharedLibrary(handle, candidate);
    const char* error = dlerror();
    reasons += "\n  " + candidate + ": " + (error != nullptr ? error : "cannot be loaded");
  }
  throw std::runtime_error("tried:" + reasons);
}

void* SharedLibrary::symbol(const char* name) const {
  dlerror();
  void* address = dlsym(m_handle, name);
  if (address == nullptr) throw std::runtime_error(m_path + " has no symbol " + name);
  return address;
}

std::filesystem::path executable_dir() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : self.parent_path();
}

SharedLibrary load_module(const std::string& file) {
  const std::filesystem::path dir = executable_dir();
  if (dir.empty()) return SharedLibrary::load({file});  // no /proc: the loader's own search
  return SharedLibrary::load({(dir / file).string(), (dir.parent_path() / "lib" / "migrate" / file).string()});
}

}  // namespace migrate::util
