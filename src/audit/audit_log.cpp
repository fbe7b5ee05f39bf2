// Audit lines are written with one write(2) under flock(2) and fsynced: our own writer,
// not spdlog, because a lost audit line must stop the command (spdlog swallows errors).
#include "migrate/audit/audit_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::audit {

namespace {

Error audit_error(const std::filesystem::path& path, const std::string& what, int error) {
  return Error(ExitCode::failed, "cannot " + what + " the audit log " + path.string() + ": " +
                                     std::strerror(error) + "; nothing further was done");
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
  m_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (m_fd < 0) throw audit_error(path, "open", errno);
}

AuditLog::~AuditLog() {
  if (!m_pending.empty()) {
    try {
      write_synced({});
    } catch (const std::exception&) {
      // A destructor cannot report it; every line about a change was written before.
    }
  }
  if (m_fd >= 0) ::close(m_fd);
}

void AuditLog::add_secret(std::string secret) {
  if (!secret.empty()) m_secrets.push_back(std::move(secret));
}

std::string AuditLog::mask(std::string text) const {
  for (const std::string& secret : m_secrets) {
    if (!secret.empty()) text = util::replace_all(std::move(text), secret, "***");
  }
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

// One write(2) of whole lines (the queued ones first) under the flock, so that no other
// process's line lands inside them, then fsync.
void AuditLog::write_synced(const std::string& lines) {
  const std::string text = m_pending + lines;
  FileLock lock(m_fd);
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(m_fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw audit_error(m_path, "write", errno);
    }
    written += static_cast<std::size_t>(n);
  }
  m_pending.clear();  // written: a later line must not repeat it, whatever fsync says
  if (::fsync(m_fd) != 0) throw audit_error(m_path, "fsync", errno);
}

}  // namespace migrate::audit
