// PATH first (the operator's choice), then Debian's versioned client folders; secrets
// for the children in their environment and in a private service file, never in argv.
#include "backup/pg_tools.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
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

namespace {

constexpr const char* k_service = "migrate";

// A value libpq reads back unchanged from a service file line "key=value": it strips
// trailing white space and ends the line at a line break.
bool fits_service_file(const std::string& value) {
  return value.find_first_of("\r\n") == std::string::npos &&
         (value.empty() || !std::isspace(static_cast<unsigned char>(value.back())));
}

// A value for a key=value conninfo: single-quoted, with ' and \ escaped.
std::string conninfo_quoted(const std::string& value) {
  std::string out = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

void write_all(int fd, const std::string& text, const fs::path& path) {
  for (std::size_t written = 0; written < text.size();) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw BackupFailed("cannot write " + path.string() + ": " + std::strerror(errno));
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

PgClientAccess::PgClientAccess(const config::DatabaseUrl& url) {
  m_environment["PGAPPNAME"] = "migrate";
  std::string file;
  std::string service;  // the URL's own service, if any
  for (const auto& [keyword, value] : url.parameters) {
    if (keyword == "password") {
      m_environment["PGPASSWORD"] = value;
    } else if (keyword == "service") {
      service = value;
    } else {
      if (!fits_service_file(value)) {
        throw BackupFailed("the database URL's " + keyword +
                           " holds a line break or ends in a blank, which cannot be passed to the PostgreSQL "
                           "client programs without putting it on their command line");
      }
      file += keyword + "=" + value + "\n";
    }
  }
  if (!service.empty()) {
    // The URL names its own service: the rest goes on the command line, which is only
    // safe when none of it is secret.
    std::string conninfo = "service=" + conninfo_quoted(service);
    for (const auto& [keyword, value] : url.parameters) {
      if (keyword == "password" || keyword == "service") continue;
      if (config::is_secret_parameter(keyword)) {
        throw BackupFailed("the database URL names service '" + service + "' and gives " + keyword +
                           " too, which the PostgreSQL client programs could then only get on their command "
                           "line: put " + keyword + " into that service's definition");
      }
      conninfo += " " + keyword + "=" + conninfo_quoted(value);
    }
    m_arguments.push_back("--dbname=" + conninfo);
    return;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string folder = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/migrate-pg-XXXXXX";
  if (::mkdtemp(folder.data()) == nullptr) {
    throw BackupFailed("cannot create a private folder for the connection settings in " + folder + ": " +
                       std::strerror(errno));
  }
  m_folder = folder;
  try {
    const fs::path path = m_folder / "pg_service.conf";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw BackupFailed("cannot write " + path.string() + ": " + std::strerror(errno));
    try {
      write_all(fd, "[" + std::string(k_service) + "]\n" + file, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    m_environment["PGSERVICEFILE"] = path.string();
    m_environment["PGSERVICE"] = k_service;
  } catch (...) {
    std::error_code ec;
    fs::remove_all(m_folder, ec);  // the destructor does not run for a constructor that throws
    throw;
  }
}

PgClientAccess::~PgClientAccess() {
  if (m_folder.empty()) return;
  std::error_code ec;
  fs::remove_all(m_folder, ec);
}

}  // namespace migrate::backup
