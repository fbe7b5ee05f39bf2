// A unique temporary folder removed with everything in it at scope exit.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace migrate::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }

  /// Writes content to path() / relative, creating folders; returns the full path.
  std::filesystem::path write(const std::string& relative, std::string_view content) const;

 private:
  std::filesystem::path m_path;
};

/// Reads a whole file (test helper; throws std::runtime_error).
std::string slurp(const std::filesystem::path& path);

}  // namespace migrate::test
