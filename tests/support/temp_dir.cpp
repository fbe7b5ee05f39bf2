// Temporary folders for tests.
#include "support/temp_dir.hpp"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace migrate::test {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::string pattern = (std::filesystem::temp_directory_path() /
                         ("migrate-test-" + std::to_string(::getpid()) + "-" +
                          std::to_string(counter++) + "-XXXXXX"))
                            .string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  m_path = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::filesystem::path TempDir::write(const std::string& relative, std::string_view content) const {
  const std::filesystem::path target = m_path / relative;
  std::filesystem::create_directories(target.parent_path());
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + target.string());
  return target;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace migrate::test
