// The database driver contract: run SQL in transactions, keep history rows and the lock row.
// Drivers hold no policy; planning, waiting and ordering live above them (run/).
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/config/database_url.hpp"
#include "migrate/model/batch.hpp"
#include "migrate/model/dialect.hpp"
#include "migrate/model/history_row.hpp"
#include "migrate/model/lock_info.hpp"
#include "migrate/model/revision.hpp"
#include "migrate/step/step.hpp"
#include "migrate/util/error.hpp"

namespace migrate::db {

/// The lock row's value under its old name, for callers that spell it db::LockInfo.
using LockInfo = migrate::LockInfo;

/// The body of a C++ step (or of an import), given a session inside the transaction.
using StepBody = std::function<void(step::Session&)>;

/// How a driver opens its database.
enum class OpenMode {
  read_only,  ///< never creates or changes anything (status, verify, dry runs)
  read_write,
};

/// One open connection to one database. Every method that fails throws a migrate Error:
/// RevisionFailed for SQL errors (after rolling back), DatabaseUnreachable for lost
/// connections; no library exception escapes a driver.
class Driver {
 public:
  virtual ~Driver() = default;

  virtual Dialect dialect() const = 0;

  /// PostgreSQL: the server's version number (150018 for 15.18); SQLite: 0.
  virtual int server_version() const = 0;

  /// Applied revisions of service, ascending by version; empty when the history table
  /// does not exist yet.
  virtual std::vector<AppliedRevision> read_history(const std::string& service) = 0;

  /// Runs sql and inserts row in one transaction: both land or neither does.
  virtual void apply(const std::string& sql, const HistoryRow& row) = 0;

  /// Runs sql and deletes the (service, version) history row in one transaction.
  virtual void revert(const std::string& sql, const std::string& service, Version version) = 0;

  /// Applies or reverts steps in order, each in its own transaction with its history
  /// change, in as few round trips as the driver can (PostgreSQL: one), and stops at the
  /// first failure; see BatchOutcome. Throws DatabaseUnreachable when the connection is
  /// lost. This default runs apply/revert once per step.
  virtual BatchOutcome run_batch(BatchKind kind, const std::vector<BatchStep>& steps);

  /// Runs body with a session and inserts row, in one transaction: both land or neither
  /// does. An exception from body rolls back and is rethrown as RevisionFailed.
  virtual void apply_step(const StepBody& body, const HistoryRow& row) = 0;

  /// Runs body with a session and deletes the (service, version) row, in one transaction.
  virtual void revert_step(const StepBody& body, const std::string& service, Version version) = 0;

  /// Runs body with a session in one transaction that touches no history (import-kv).
  virtual void transact(const StepBody& body) = 0;

  /// The timeouts for what follows (apply, revert, steps, execute_each), until set again.
  /// PostgreSQL sets them per transaction (SET LOCAL, in the same round trip) or, for
  /// execute_each, per session; SQLite has no such limits and ignores them.
  virtual void set_timeouts(const Timeouts& timeouts) = 0;

  /// Runs sql one statement at a time outside any transaction, each committing on its
  /// own, as a no-transaction revision needs (CREATE INDEX CONCURRENTLY, VACUUM), calling
  /// after_each after every statement. PostgreSQL splits sql with the statement lexer
  /// and sends each statement alone, under this revision's timeouts set for the session
  /// and reset afterwards; SQLite steps through it with its own parser. A failing
  /// statement throws RevisionFailed naming its number and file line, and how many
  /// before it stay applied; what after_each throws passes through.
  virtual void execute_each(std::string_view sql, const std::function<void()>& after_each) = 0;

  /// Sets the dirty flag of the (service, version) history row, and its duration_ms when
  /// given, in one autocommitted statement.
  virtual void set_dirty(const std::string& service, Version version, bool dirty,
                         std::optional<std::int64_t> duration_ms = std::nullopt) = 0;

  /// Rewrites name, kind and checksum of recorded revisions and clears their dirty flag,
  /// in one transaction (repair). Each row names an existing (service, version).
  virtual void rewrite_history(const std::vector<HistoryRow>& rows) = 0;

  /// Inserts rows and deletes the listed versions of service in one transaction,
  /// without running any revision (stamp).
  virtual void record_history(const std::string& service, const std::vector<HistoryRow>& insert,
                              const std::vector<Version>& remove) = 0;

  /// The lock row, if any; nullopt when absent or the table does not exist.
  virtual std::optional<LockInfo> read_lock() = 0;

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
  /// set_timeouts; this default ignores it.
  virtual void set_lock_wait(std::chrono::milliseconds /*wait*/) {}

  /// Refreshes heartbeat_at of holder's row. Throws LockHeld when the row no longer
  /// names holder: the lock was broken or taken over, and the caller must stop.
  virtual void heartbeat(const std::string& holder) = 0;

  /// Removes holder's row and releases any session lock. Does not throw.
  virtual void unlock(const std::string& holder) noexcept = 0;

  /// Whether a live session holds the lock (PostgreSQL: its advisory lock is held by
  /// some backend; SQLite: the holder row names a process of this host that still runs;
  /// nullopt where that cannot be known, as for a SQLite holder on another host).
  virtual std::optional<bool> lock_session_alive() = 0;

  /// Breaks the lock of `holder` (empty: a lock with no row, only a session lock on
  /// PostgreSQL): in one transaction that keeps the row locked, checks the row still
  /// names holder, terminates the PostgreSQL sessions holding the advisory lock (their
  /// open transactions roll back) and deletes the row, so a runner that takes the lock
  /// meanwhile keeps its own row. Throws LockHeld when the lock changed hands since
  /// (nothing is done), RevisionFailed when a session could not be terminated.
  virtual std::optional<LockInfo> break_lock(const std::string& holder) = 0;
};

/// Opens the database at url. Throws DatabaseUnreachable when it cannot be reached,
/// UsageError when it cannot be opened as asked (e.g. a read-only SQLite file).
/// A read_only open of a SQLite file that does not exist yet sees an empty database
/// and creates nothing.
std::unique_ptr<Driver> open_driver(const config::DatabaseUrl& url, OpenMode mode);

}  // namespace migrate::db
