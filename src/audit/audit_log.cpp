// Audit lines are written with one write(2) under flock(2) and fsynced: our own writer,
// not spdlog, because a lost audit line must stop the command (spdlog swallows errors).
#include "migrate/audit/audit_log.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <system_error>

#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::audit {

namespace {

namespace fs = std::filesystem;

Error audit_error(const fs::path& path, const std::string& what, int error) {
  return Error(ExitCode::failed, "cannot " + what + " the audit log " + path.string() + ": " +
                                     std::strerror(error) + "; the command stops here");
}

bool disk_full(int error) { return error == ENOSPC || error == EDQUOT; }

std::string reserve_prefix(const fs::path& log) { return "." + log.filename().string() + ".reserve-"; }

fs::path folder_of(const fs::path& log) { return log.has_parent_path() ? log.parent_path() : fs::path("."); }

// Removes the reserve files that processes which no longer run left beside the log
// (killed before they could remove their own).
void remove_stale_reserves(const fs::path& log) {
  const std::string prefix = reserve_prefix(log);
  std::error_code ec;
  for (fs::directory_iterator it(folder_of(log), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.size() > 9 ||
        !std::all_of(pid_text.begin(), pid_text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) ::unlink(it->path().c_str());
  }
}

// Gives the file `size` bytes of disk blocks: posix_fallocate, or zeros where the file
// system cannot allocate. Returns 0 or an errno value.
int allocate(int fd, std::size_t size) {
  const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
  if (rc != EOPNOTSUPP && rc != EINVAL) return rc;
  const std::string zeros(64 * 1024, '\0');
  for (std::size_t written = 0; written < size;) {
    const ssize_t n = ::write(fd, zeros.data(), std::min(zeros.size(), size - written));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    written += static_cast<std::size_t>(n);
  }
  return ::fsync(fd) == 0 ? 0 : errno;
}

// Holds flock(LOCK_EX) on a descriptor for a scope.
class FileLock {
 public:
  explicit FileLock(int fd) : m_fd(fd) {
    while (::flock(m_fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        m_fd = -1;
        break;
      }
    }
  }
  ~FileLock() {
    if (m_fd >= 0) ::flock(m_fd, LOCK_UN);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int m_fd;
};

}  // namespace

std::string iso8601_utc(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  return std::string(date) + fraction;
}

AuditLog::AuditLog(const std::filesystem::path& path, std::string command, std::string user,
                   std::string host, std::vector<std::string> secrets, Clock clock)
    : m_path(path),
      m_command(std::move(command)),
      m_user(std::move(user)),
      m_host(std::move(host)),
      m_secrets(std::move(secrets)),
      m_clock(std::move(clock)) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  // Read access too, to see whether the last line was torn; a log we may only append to
  // is used as it is.
  m_fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (m_fd < 0 && errno == EACCES) m_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (m_fd < 0) throw audit_error(path, "open", errno);
  try {
    repair_torn_line();
    hold_reserve();
  } catch (...) {
    ::close(m_fd);
    throw;
  }
}

AuditLog::~AuditLog() {
  if (!m_pending.empty()) {
    try {
      write_synced({});
    } catch (const std::exception&) {
      // A destructor cannot report it; every line about a change was written before.
    }
  }
  release_reserve();
  if (m_fd >= 0) ::close(m_fd);
}

// A line torn by a crash in the middle of a write (or by an older writer that left a
// failed write's fragment behind) would have the next line glued onto it.
void AuditLog::repair_torn_line() {
  FileLock lock(m_fd);
  struct stat st {};
  if (::fstat(m_fd, &st) != 0) throw audit_error(m_path, "read", errno);
  if (st.st_size == 0) return;
  char last = '\n';
  const ssize_t got = ::pread(m_fd, &last, 1, st.st_size - 1);
  if (got < 0 && errno == EBADF) return;  // opened write-only
  if (got != 1 || last == '\n') return;
  // The start of the last line: after the last line break, searching backwards.
  off_t line_start = 0;
  char buffer[4096];
  for (off_t end = st.st_size; end > 0 && line_start == 0;) {
    const off_t begin = std::max<off_t>(0, end - static_cast<off_t>(sizeof buffer));
    const ssize_t n = ::pread(m_fd, buffer, static_cast<std::size_t>(end - begin), begin);
    if (n != end - begin) throw audit_error(m_path, "read", n < 0 ? errno : EIO);
    for (ssize_t i = n - 1; i >= 0; --i) {
      if (buffer[i] == '\n') {
        line_start = begin + i + 1;
        break;
      }
    }
    end = begin;
  }
  const off_t torn = st.st_size - line_start;
  std::string fragment(static_cast<std::size_t>(torn), '\0');
  if (::pread(m_fd, fragment.data(), fragment.size(), line_start) != torn) throw audit_error(m_path, "read", EIO);
  if (nlohmann::json::accept(fragment)) {
    // A whole line that only lacks its line break (an edit by hand): keep it.
    const int error = write_whole("\n");
    if (error != 0) throw audit_error(m_path, "repair", error);
    if (::fsync(m_fd) != 0) throw audit_error(m_path, "repair", errno);
    spdlog::warn("the audit log {} did not end with a line break; added one", m_path.string());
    return;
  }
  if (::ftruncate(m_fd, line_start) != 0 || ::fsync(m_fd) != 0) throw audit_error(m_path, "repair", errno);
  spdlog::warn("the audit log {} ended in a torn line ({} bytes with no line break, left by a write that "
               "failed or a crash); cut it off so that the next line starts on a line of its own",
               m_path.string(), static_cast<long long>(torn));
}

void AuditLog::hold_reserve() {
  remove_stale_reserves(m_path);
  const fs::path reserve = folder_of(m_path) / (reserve_prefix(m_path) + std::to_string(::getpid()));
  const int fd = ::open(reserve.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    // A folder we may not create files in (the log itself is writable): go on as before.
    spdlog::warn("cannot hold disk space in reserve for the audit log in {}: {}; a full disk could then leave "
                 "a change without its audit line",
                 folder_of(m_path).string(), std::strerror(errno));
    return;
  }
  const int error = allocate(fd, k_reserve_bytes);
  ::close(fd);
  if (error != 0) {
    ::unlink(reserve.c_str());
    throw Error(ExitCode::failed, "cannot hold " + std::to_string(k_reserve_bytes / 1024) +
                                      " KiB of disk space in reserve beside the audit log " + m_path.string() +
                                      ": " + std::strerror(error) +
                                      "; free some space (nothing was done: a change whose audit line could not "
                                      "be written would go unaudited)");
  }
  m_reserve = reserve;
}

bool AuditLog::release_reserve() {
  if (m_reserve.empty()) return false;
  const bool removed = ::unlink(m_reserve.c_str()) == 0;
  m_reserve.clear();
  return removed;
}

void AuditLog::add_secret(std::string secret) {
  if (!secret.empty()) m_secrets.push_back(std::move(secret));
}

std::string AuditLog::mask(std::string text) const {
  // The longest first: a secret's decoded spelling may be part of its encoded one.
  std::vector<const std::string*> secrets;
  for (const std::string& secret : m_secrets) {
    if (!secret.empty()) secrets.push_back(&secret);
  }
  std::stable_sort(secrets.begin(), secrets.end(),
                   [](const std::string* a, const std::string* b) { return a->size() > b->size(); });
  for (const std::string* secret : secrets) text = util::replace_all(std::move(text), *secret, "***");
  return text;
}

std::string AuditLog::line(const AuditEvent& event) const {
  nlohmann::ordered_json line;
  line["ts"] = iso8601_utc(m_clock());
  line["user"] = m_user;
  line["host"] = m_host;
  line["command"] = m_command;
  line["service"] = event.service.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(event.service);
  line["version"] = event.version ? nlohmann::ordered_json(format_version(*event.version)) : nlohmann::ordered_json(nullptr);
  line["event"] = event.event;
  line["ok"] = event.ok;
  line["duration_ms"] = event.duration_ms ? nlohmann::ordered_json(*event.duration_ms) : nlohmann::ordered_json(nullptr);
  line["error"] = event.error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(mask(event.error));
  if (!event.detail.empty()) line["detail"] = mask(event.detail);
  // Invalid UTF-8 (a database message in another encoding) is replaced, never fatal.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

void AuditLog::append(const AuditEvent& event) { write_synced(line(event)); }

void AuditLog::append_with_next(const AuditEvent& event) { m_pending += line(event); }

void AuditLog::append(const std::vector<AuditEvent>& events) {
  std::string text;
  for (const AuditEvent& event : events) text += line(event);
  if (!text.empty()) write_synced(text);
}

// Appends text at the end of the file, whole or not at all: a write that fails part way
// (a full disk) is cut back off, so that no fragment is left for the next line to be
// glued onto. Returns 0 or the errno value of the failure. Called under the flock.
int AuditLog::write_whole(const std::string& text) {
  struct stat st {};
  if (::fstat(m_fd, &st) != 0) return errno;
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(m_fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      if (written > 0 && ::ftruncate(m_fd, st.st_size) != 0) {
        spdlog::error("cannot cut a partly written line off the audit log {}: {}", m_path.string(),
                      std::strerror(errno));
      }
      return error;
    }
    written += static_cast<std::size_t>(n);
  }
  return 0;
}

// One write(2) of whole lines (the queued ones first) under the flock, so that no other
// process's line lands inside them, then fsync. A full disk frees the reserve and tries
// once more: the line of a change that committed still gets written.
void AuditLog::write_synced(const std::string& lines) {
  const std::string text = m_pending + lines;
  FileLock lock(m_fd);
  int error = write_whole(text);
  if (disk_full(error) && release_reserve()) {
    m_reserve_spent = true;
    spdlog::warn("the disk holding the audit log {} is full; wrote into the space held in reserve, and no "
                 "further change will start",
                 m_path.string());
    error = write_whole(text);
  }
  if (error != 0) throw audit_error(m_path, "write", error);
  m_pending.clear();  // written: a later line must not repeat it, whatever fsync says
  if (::fsync(m_fd) != 0) throw audit_error(m_path, "fsync", errno);
}

}  // namespace migrate::audit
