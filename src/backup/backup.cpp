// Backups are made under a temporary name and published with link(2), so a reader of the
// backup folder never sees a partial file and an existing backup is never overwritten.
#include "migrate/backup/backup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <system_error>

#include "backup/pg_tools.hpp"
#include "migrate/db/bookkeeping_schema.hpp"
#include "migrate/db/sqlite_backup.hpp"
#include "migrate/util/child_process.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/text.hpp"

namespace migrate::backup {

namespace fs = std::filesystem;

namespace {

// A file that is removed on scope exit unless released, with the journal SQLite may have
// left beside it.
class TempFile {
 public:
  explicit TempFile(fs::path path) : m_path(std::move(path)) {}
  ~TempFile() {
    if (m_path.empty()) return;
    ::unlink(m_path.c_str());
    ::unlink((m_path.string() + "-journal").c_str());
  }
  TempFile(TempFile&& other) noexcept : m_path(std::move(other.m_path)) { other.m_path.clear(); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  TempFile& operator=(TempFile&&) = delete;
  const fs::path& path() const { return m_path; }
  void release() { m_path.clear(); }

 private:
  fs::path m_path;
};

std::string first_lines(const std::string& text, const config::DatabaseUrl& url) {
  std::string trimmed(util::trim(text));
  if (trimmed.size() > 600) trimmed = trimmed.substr(0, 600) + "…";
  return config::redact(util::replace_all(trimmed, "\n", " | "), url);
}

// Runs a client program; one that `connects` gets url's database with no secret in argv.
// server_version: when known (14 and later), the tool's session gets
// client_connection_check_interval, so that the server ends its query soon after the tool
// was stopped (an interrupted run) instead of running it to the end.
util::ProcessResult run_tool(std::vector<std::string> argv, const config::DatabaseUrl& url, bool connects,
                             int server_version = 0) {
  const PgClientAccess access(url);
  if (connects) argv.insert(argv.end(), access.connection_arguments().begin(), access.connection_arguments().end());
  std::map<std::string, std::string> env = access.environment();
  if (server_version >= 140000) {
    const char* options = std::getenv("PGOPTIONS");
    env["PGOPTIONS"] = std::string(options != nullptr ? options : "") + " -c client_connection_check_interval=2000";
  }
  try {
    return util::run_process(argv, env);
  } catch (const Interrupted&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw BackupFailed(e.what());
  }
}

void fsync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw BackupFailed("cannot open " + path.string() + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) throw BackupFailed("cannot fsync " + path.string() + ": " + std::strerror(error));
}

// Creates the folder (0700) and an empty, exclusive 0600 file to write the backup into.
// The name carries our pid: a runner killed mid-backup leaves its partial file behind, and
// the next run in the same second (same final name) must not trip over it.
TempFile prepare_temp(const fs::path& final_path) {
  std::error_code ec;
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) throw BackupFailed("cannot create backup folder " + final_path.parent_path().string() + ": " + ec.message());
  TempFile temp(final_path.parent_path() /
                ("." + final_path.filename().string() + "." + std::to_string(::getpid()) + ".partial"));
  const int fd = ::open(temp.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    temp.release();
    throw BackupFailed("cannot write a backup into " + final_path.parent_path().string() + ": " +
                       std::strerror(error));
  }
  ::close(fd);
  return temp;
}

// Checks the finished temporary file and links it under its final name.
void publish(TempFile& temp, const fs::path& final_path) {
  std::error_code ec;
  const auto size = fs::file_size(temp.path(), ec);
  if (ec || size == 0) throw BackupFailed("the backup came out empty; nothing was changed");
  ::chmod(temp.path().c_str(), 0600);
  fsync_path(temp.path(), O_RDONLY);
  if (::link(temp.path().c_str(), final_path.c_str()) != 0) {
    throw BackupFailed("cannot publish backup " + final_path.string() + ": " + std::strerror(errno));
  }
  fsync_path(final_path.parent_path(), O_RDONLY | O_DIRECTORY);
}

void dump_postgres(const config::DatabaseUrl& url, int server_version, BackupFormat format,
                   const fs::path& target) {
  const PgTool pg_dump = locate_pg_tool("pg_dump");
  const int server_major = server_version / 10000;
  if (pg_dump.major < server_major) {
    throw BackupFailed(pg_dump.path.string() + " is version " + std::to_string(pg_dump.major) +
                       ", older than the server (" + std::to_string(server_major) +
                       "); it cannot dump it. Install postgresql-client-" + std::to_string(server_major) +
                       " or put a newer pg_dump first on PATH");
  }
  std::vector<std::string> argv{pg_dump.path.string(), "--no-password", "--exclude-table-data=migration_lock",
                                "--file=" + target.string()};
  if (format == BackupFormat::custom) {
    argv.push_back("--format=custom");
  } else {
    argv.insert(argv.end(), {"--format=plain", "--clean", "--if-exists"});
  }
  const util::ProcessResult result = run_tool(argv, url, /*connects=*/true, server_version);
  if (!result.ok()) {
    throw BackupFailed("pg_dump failed (exit " + std::to_string(result.exit_code) +
                       "): " + first_lines(result.stderr_text, url));
  }
}

}  // namespace

fs::path take_backup(const config::DatabaseUrl& url, int server_version, const std::string& service,
                     const BackupStore& store, BackupFormat format, std::chrono::system_clock::time_point now) {
  const std::string extension = url.dialect == Dialect::sqlite      ? ".sqlite3"
                                : format == BackupFormat::custom ? ".dump"
                                                                 : ".sql";
  const fs::path final_path = store.new_path(service, extension, now);
  try {
    TempFile temp = prepare_temp(final_path);
    if (url.dialect == Dialect::postgres) {
      dump_postgres(url, server_version, format, temp.path());
    } else {
      db::copy_sqlite_database(url.sqlite_path, temp.path(), /*drop_lock_row=*/true);
    }
    util::throw_if_interrupted();  // a copy that could not be stopped: do not publish it
    publish(temp, final_path);
  } catch (const Interrupted& e) {
    throw Interrupted(e.signal(), std::string("interrupted by ") + e.signal_name() + " during the backup of " +
                                      service + ": stopped it and removed its partial file; nothing was changed");
  }
  return final_path;
}

void restore_backup(const config::DatabaseUrl& url, const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw BackupFailed("backup file " + file.string() + " does not exist");
  if (url.dialect == Dialect::sqlite) {
    db::copy_sqlite_database(file, url.sqlite_path, /*drop_lock_row=*/false);
    return;
  }
  fs::path script = file;
  std::optional<TempFile> converted;
  if (file.extension() == ".dump") {
    // pg_restore turns the archive into a plain script, so that clearing the database and
    // restoring it run in the single transaction psql gives them.
    converted.emplace(file.parent_path() / ("." + file.filename().string() + ".restore.sql"));
    const PgTool pg_restore = locate_pg_tool("pg_restore");
    const util::ProcessResult result = run_tool(
        {pg_restore.path.string(), "--clean", "--if-exists", "--file=" + converted->path().string(), file.string()},
        url, /*connects=*/false);
    if (!result.ok()) {
      throw BackupFailed("pg_restore could not read " + file.string() + ": " + first_lines(result.stderr_text, url));
    }
    script = converted->path();
  }
  const PgTool psql = locate_pg_tool("psql");
  util::ProcessResult result;
  try {
    util::throw_if_interrupted();
    result = run_tool({psql.path.string(), "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
                       "--single-transaction", "--command=" + std::string(db::k_postgres_clear_schemas_sql),
                       "--file=" + script.string()},
                      url, /*connects=*/true);
  } catch (const Interrupted& e) {
    throw Interrupted(e.signal(), std::string("interrupted by ") + e.signal_name() + " during the restore from " +
                                      file.string() + ": stopped psql before its single transaction committed, "
                                      "so the server rolls it back; the database is as it was");
  }
  if (!result.ok()) {
    throw BackupFailed("restore from " + file.string() + " failed and was rolled back: " +
                       first_lines(result.stderr_text, url));
  }
}

}  // namespace migrate::backup
