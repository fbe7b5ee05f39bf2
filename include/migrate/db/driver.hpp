// The database driver contract: run SQL in transactions; the history table and the lock are
// small interfaces on the same connection (history_table.hpp, migration_lock.hpp).
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
#include "migrate/db/history_table.hpp"
#include "migrate/db/migration_lock.hpp"
#include "migrate/model/batch.hpp"
#include "migrate/model/dialect.hpp"
#include "migrate/model/history_row.hpp"
#include "migrate/model/revision.hpp"
#include "migrate/step/step.hpp"
#include "migrate/util/error.hpp"

namespace migrate::db {

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

  /// The history table (config::DatabaseUrl::history_table), on this connection.
  virtual HistoryTable& history() = 0;

  /// The migration lock, on this connection.
  virtual MigrationLock& lock() = 0;

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
};

/// Opens the database at url. Throws DatabaseUnreachable when it cannot be reached,
/// UsageError when it cannot be opened as asked (e.g. a read-only SQLite file).
/// A read_only open of a SQLite file that does not exist yet sees an empty database
/// and creates nothing.
std::unique_ptr<Driver> open_driver(const config::DatabaseUrl& url, OpenMode mode);

}  // namespace migrate::db
