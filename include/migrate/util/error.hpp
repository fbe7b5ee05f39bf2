// The one error hierarchy of migrate: each class carries the exit code of DESIGN.md.
#pragma once

#include <stdexcept>
#include <string>

namespace migrate {

/// Process exit codes, as documented in DESIGN.md.
enum class ExitCode : int {
  ok = 0,
  failed = 1,       ///< a revision or backup failed (and was rolled back)
  usage = 2,        ///< usage or manifest error, bad revision files
  lock_held = 3,    ///< the lock is held by another live runner
  blocked = 4,      ///< drift, dirty state or out-of-order revisions block the run
  unreachable = 5,  ///< the database could not be reached
  interrupted = 130,  ///< stopped by SIGINT (128 + 2)
  terminated = 143,   ///< stopped by SIGTERM (128 + 15)
};

/// Base of every error migrate reports to the user. The message is one line,
/// free of passwords, and names the cause.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message)
      : std::runtime_error(message), m_code(code) {}
  ExitCode code() const noexcept { return m_code; }

 private:
  ExitCode m_code;
};

/// Bad command line, manifest or revision files (exit 2).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(ExitCode::usage, message) {}
};

/// The manifest or a revision file is invalid (exit 2); the message names the file.
class ConfigError : public UsageError {
 public:
  using UsageError::UsageError;
};

/// A revision, step or backup failed and its transaction was rolled back (exit 1).
class RevisionFailed : public Error {
 public:
  explicit RevisionFailed(const std::string& message, std::string sqlstate = {})
      : Error(ExitCode::failed, message), m_sqlstate(std::move(sqlstate)) {}
  const std::string& sqlstate() const noexcept { return m_sqlstate; }

 private:
  std::string m_sqlstate;
};

/// A backup or restore could not be made; nothing was changed (exit 1).
class BackupFailed : public Error {
 public:
  explicit BackupFailed(const std::string& message) : Error(ExitCode::failed, message) {}
};

/// Another live runner holds the migration lock (exit 3).
class LockHeld : public Error {
 public:
  explicit LockHeld(const std::string& message) : Error(ExitCode::lock_held, message) {}
};

/// Drift, a dirty revision or an out-of-order revision blocks the run (exit 4).
class BlockedError : public Error {
 public:
  explicit BlockedError(const std::string& message) : Error(ExitCode::blocked, message) {}
};

/// The database did not answer or refused the connection (exit 5).
class DatabaseUnreachable : public Error {
 public:
  explicit DatabaseUnreachable(const std::string& message)
      : Error(ExitCode::unreachable, message) {}
};

/// SIGINT or SIGTERM stopped the command (exit 130 or 143): the statement in flight was
/// cancelled and its transaction rolled back. The message says what was rolled back and
/// what had committed before.
class Interrupted : public Error {
 public:
  Interrupted(int signal, const std::string& message)
      : Error(signal == k_sigterm ? ExitCode::terminated : ExitCode::interrupted, message), m_signal(signal) {}
  /// The signal's number: 2 (SIGINT) or 15 (SIGTERM).
  int signal() const noexcept { return m_signal; }
  /// "SIGINT" or "SIGTERM".
  const char* signal_name() const noexcept { return m_signal == k_sigterm ? "SIGTERM" : "SIGINT"; }

 private:
  static constexpr int k_sigterm = 15;  // POSIX fixes SIGINT = 2 and SIGTERM = 15
  int m_signal;
};

}  // namespace migrate
