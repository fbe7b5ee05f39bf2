// PATH first (the operator's choice), then Debian's versioned client folders.
#include "backup/pg_tools.hpp"

#include <algorithm>
#include <system_error>
#include <vector>

#include "migrate/util/child_process.hpp"
#include "migrate/util/error.hpp"

namespace migrate::backup {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> debian_client_dirs() {
  std::vector<std::pair<int, fs::path>> found;
  std::error_code ec;
  for (fs::directory_iterator it("/usr/lib/postgresql", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      found.emplace_back(std::stoi(name), it->path() / "bin");
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<fs::path> dirs;
  for (auto& entry : found) dirs.push_back(std::move(entry.second));
  return dirs;
}

// "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" -> 15
int parse_major(const std::string& version_text) {
  const std::size_t close = version_text.find(") ");
  std::size_t pos = close == std::string::npos ? version_text.find_first_of("0123456789") : close + 2;
  int major = 0;
  while (pos < version_text.size() && version_text[pos] >= '0' && version_text[pos] <= '9') {
    major = major * 10 + (version_text[pos++] - '0');
  }
  return major;
}

}  // namespace

PgTool locate_pg_tool(const std::string& name) {
  const auto path = util::find_executable(name, debian_client_dirs());
  if (!path) {
    throw BackupFailed(name + " was not found on PATH or under /usr/lib/postgresql/*/bin; install the "
                              "PostgreSQL client (postgresql-client-15) or pass --no-backup");
  }
  util::ProcessResult version;
  try {
    version = util::run_process({path->string(), "--version"});
  } catch (const Interrupted&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw BackupFailed(e.what());
  }
  const int major = parse_major(version.stdout_text);
  if (!version.ok() || major == 0) {
    throw BackupFailed(path->string() + " --version did not report a version (exit " +
                       std::to_string(version.exit_code) + ")");
  }
  return {*path, major};
}

}  // namespace migrate::backup
