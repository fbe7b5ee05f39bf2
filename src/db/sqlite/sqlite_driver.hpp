// The SQLite driver (SQLiteCpp 3.2.1), internal to db/: one connection that is the Driver,
// its HistoryTable and its MigrationLock. Its methods are defined by concern across this
// folder: connection.cpp (opening, busy wait, error translation), history.cpp, lock.cpp,
// batch.cpp (revisions and batches in transactions, no-transaction revisions) and
// session.cpp (C++ steps).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite/connection.hpp"
#include "migrate/db/driver.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"

namespace migrate::db {

/// Opens url's file. read_write creates the file and its folder when missing;
/// read_only never creates anything (a missing file reads as an empty database).
std::unique_ptr<Driver> open_sqlite(const config::DatabaseUrl& url, OpenMode mode);

class SqliteDriver final : public Driver, public HistoryTable, public MigrationLock {
 public:
  /// history_table: the history table's name ([defaults] history_table, validated).
  SqliteDriver(const std::string& file, int flags, std::string label, std::string history_table);

  Dialect dialect() const override { return Dialect::sqlite; }
  int server_version() const override { return 0; }
  HistoryTable& history() override { return *this; }
  MigrationLock& lock() override { return *this; }
  void set_timeouts(const Timeouts&) override {}

  // batch.cpp
  void apply(const std::string& sql, const HistoryRow& row) override;
  void revert(const std::string& sql, const std::string& service, Version version) override;
  BatchOutcome run_batch(BatchKind kind, const std::vector<BatchStep>& steps) override;
  void execute_each(std::string_view sql, const std::function<void()>& after_each) override;

  // session.cpp
  void apply_step(const StepBody& body, const HistoryRow& row) override;
  void revert_step(const StepBody& body, const std::string& service, Version version) override;
  void transact(const StepBody& body) override;

  // history.cpp: HistoryTable
  std::vector<AppliedRevision> read(const std::string& service) override;
  void set_dirty(const std::string& service, Version version, bool dirty,
                 std::optional<std::int64_t> duration_ms) override;
  void rewrite(const std::vector<HistoryRow>& rows) override;
  void record(const std::string& service, const std::vector<HistoryRow>& insert_rows,
              const std::vector<Version>& remove_versions) override;

  // lock.cpp: MigrationLock
  std::optional<LockInfo> read() override;
  void set_wait(std::chrono::milliseconds wait) override;
  LockAttempt try_lock(const std::string& holder, std::chrono::milliseconds stale_after) override;
  void heartbeat(const std::string& holder) override;
  std::optional<bool> session_alive() override;
  std::optional<LockInfo> break_lock(const std::string& holder) override;
  void unlock(const std::string& holder) noexcept override;

 private:
  // connection.cpp
  template <typename Body>
  auto guarded(const char* what, Body&& body) -> decltype(body()) {
    try {
      return body();
    } catch (const SQLite::Exception& e) {
      throw_if_interrupted(e.getErrorCode());
      throw RevisionFailed("cannot " + std::string(what) + " in " + m_label + ": " + e.what(),
                           std::to_string(e.getExtendedErrorCode()));
    }
  }
  [[noreturn]] void rethrow_translated(const SQLite::Exception& e) const;
  std::string foreign_lock_cause() const;
  int busy_timeout_ms() const;

  // history.cpp
  /// The columns of table; empty when there is no such table.
  std::vector<std::string> history_columns(const std::string& table);
  /// Throws BlockedError when the history table is another tool's, or absent while
  /// migrate's history is still in schema_migrations; false when it is absent.
  bool require_own_history();
  template <typename Body>
  void in_transaction(Body&& body);
  void insert(const HistoryRow& row, std::int64_t duration_ms);
  void remove(const std::string& service, Version version);

  // lock.cpp
  LockAttempt take_lock(const std::string& holder, std::chrono::milliseconds stale_after);
  std::optional<LockInfo> lock_row();
  bool holder_gone(const LockInfo& holder, std::chrono::milliseconds stale_after);
  std::optional<bool> holder_alive(const LockInfo& holder);
  void refresh_heartbeat();

  // batch.cpp
  template <typename Body>
  void revision_transaction(Body&& body);
  static void reject_nul(std::string_view sql);
  void exec_inside(const std::string& sql);
  void check_foreign_keys();
  static std::size_t line_of(std::string_view sql, const char* at);

  // session.cpp
  template <typename Record>
  void step_transaction(const StepBody& body, Record&& record);

  SQLite::Database m_db;
  std::string m_label;
  std::string m_history_table;   ///< the history table's name, as the manifest gives it
  std::string m_history_quoted;  ///< the same, quoted for SQL
  std::string m_lock_holder;                               ///< set while this driver holds the lock
  util::CancelRegistration m_interrupt;                    ///< SIGINT/SIGTERM interrupt the statement running
  std::chrono::milliseconds m_busy_wait = k_busy_timeout;  ///< how long to wait for SQLite's write lock
  bool m_foreign_keys_off = false;                         ///< inside a ForeignKeysOff scope
};

}  // namespace migrate::db
