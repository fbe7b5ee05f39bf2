// The append-only audit trail: one JSON object per line, written whole and fsynced.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "migrate/model/revision.hpp"

namespace migrate::audit {

/// One audit line. `event` is one of start, confirm, decline, backup, restore, import,
/// apply, rollback, stamp, repair, lock_broken, interrupted, fail, done.
struct AuditEvent {
  std::string event;
  std::string service;  ///< empty for command-wide events
  std::optional<Version> version;
  bool ok = true;
  std::optional<std::int64_t> duration_ms;
  std::string error;
  std::string detail;  ///< e.g. the backup file, "skipped: --no-backup"
};

/// Appends events for one command. Not copyable; safe against other processes
/// appending to the same file (each line is one write under an exclusive flock). A line
/// is written whole or not at all: a write that fails is cut back off the file.
///
/// A full disk must not leave a committed change unaudited, so the log holds
/// k_reserve_bytes of disk space in reserve, in a file of its own beside the log
/// (".<log name>.reserve-<pid>", removed on close); a write that finds the disk full
/// frees that space and tries again, and reserve_spent() then tells the caller to start
/// no further change.
class AuditLog {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  static constexpr std::size_t k_reserve_bytes = 256 * 1024;

  /// Opens path for appending (created with mode 0600, folders too). `secrets` are
  /// masked in every field. A log whose last line was torn (no line break at its end) is
  /// repaired first, with a warning: a whole JSON object gets its line break, a fragment
  /// is cut off. Throws Error(failed) when the file cannot be opened or repaired, or when
  /// the disk has no room for the reserve.
  AuditLog(const std::filesystem::path& path, std::string command, std::string user, std::string host,
           std::vector<std::string> secrets, Clock clock = std::chrono::system_clock::now);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  /// Writes the event as one line and fsyncs it before returning. Throws Error(failed)
  /// when it cannot: a command must not go on without its audit trail.
  void append(const AuditEvent& event);

  /// Writes the events as consecutive lines in one write and one fsync (a batch of
  /// revisions). Throws like append.
  void append(const std::vector<AuditEvent>& events);

  /// Stamps the event now and writes it in front of the next line appended, in the same
  /// write and fsync (or when the log is closed): a command's `start` costs no fsync of
  /// its own, and still lands before any line about a change.
  void append_with_next(const AuditEvent& event);

  /// Masks secret (a password) in every later line.
  void add_secret(std::string secret);

  const std::filesystem::path& path() const { return m_path; }

  /// True once a write found the disk full and used the reserve: the next line may not
  /// fit, so no further change may start.
  bool reserve_spent() const { return m_reserve_spent; }

 private:
  std::string mask(std::string text) const;
  std::string line(const AuditEvent& event) const;
  void write_synced(const std::string& text);
  int write_whole(const std::string& text);
  void repair_torn_line();
  void hold_reserve();
  bool release_reserve();

  std::filesystem::path m_path;
  std::string m_command;
  std::string m_user;
  std::string m_host;
  std::vector<std::string> m_secrets;
  Clock m_clock;
  int m_fd = -1;
  std::string m_pending;  ///< lines queued by append_with_next
  std::filesystem::path m_reserve;  ///< the reserve file; empty when none is held
  bool m_reserve_spent = false;
};

/// "2026-11-21T05:41:41.123Z".
std::string iso8601_utc(std::chrono::system_clock::time_point time);

}  // namespace migrate::audit
