// The migration lock of one database, as its driver's connection holds it: the lock row
// and, on PostgreSQL, the session advisory lock behind it.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "migrate/model/lock_info.hpp"

namespace migrate::db {

/// The lock operations of a driver, on the driver's own connection (Driver::lock()).
/// Methods throw migrate Errors as the driver's do; BlockedError, writing nothing, for another tool's history table.
class MigrationLock {
 public:
  virtual ~MigrationLock() = default;

  /// The lock row, if any; nullopt when absent or the table does not exist.
  virtual std::optional<LockInfo> read() = 0;

  /// Tries once to take the lock for holder, creating the bookkeeping tables first when
  /// missing. Takes over the row of a holder known dead (PostgreSQL: its advisory lock
  /// is gone; SQLite: a holder on this host whose process is gone, at once, or one on
  /// another host whose heartbeat is older than stale_after; a live process on this host
  /// is never taken over). Never blocks in the server.
  virtual LockAttempt try_lock(const std::string& holder, std::chrono::milliseconds stale_after) = 0;

  /// How long what follows may wait for a lock on the database held by a connection that is
  /// not a migrate runner (SQLite: the file's write lock, held by an application) before it
  /// gives up with LockHeld; the runner passes its --lock-wait (SQLite waits at least 5 s,
  /// as other runners hold its write lock for moments). PostgreSQL's waits are set by
  /// Driver::set_timeouts; this default ignores it.
  virtual void set_wait(std::chrono::milliseconds /*wait*/) {}

  /// Refreshes heartbeat_at of holder's row. Throws LockHeld when the row no longer
  /// names holder: the lock was broken or taken over, and the caller must stop.
  virtual void heartbeat(const std::string& holder) = 0;

  /// Removes holder's row and releases any session lock. Does not throw.
  virtual void unlock(const std::string& holder) noexcept = 0;

  /// Whether a live session holds the lock (PostgreSQL: its advisory lock is held by
  /// some backend; SQLite: the holder row names a process of this host that still runs;
  /// nullopt where that cannot be known, as for a SQLite holder on another host).
  virtual std::optional<bool> session_alive() = 0;

  /// Breaks the lock of `holder` (empty: a lock with no row, only a session lock on
  /// PostgreSQL): in one transaction that keeps the row locked, checks the row still
  /// names holder, terminates the PostgreSQL sessions holding the advisory lock (their
  /// open transactions roll back) and deletes the row, so a runner that takes the lock
  /// meanwhile keeps its own row. Throws LockHeld when the lock changed hands since
  /// (nothing is done), RevisionFailed when a session could not be terminated.
  virtual std::optional<LockInfo> break_lock(const std::string& holder) = 0;
};

}  // namespace migrate::db
