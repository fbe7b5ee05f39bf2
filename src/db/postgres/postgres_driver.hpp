// The PostgreSQL driver (libpqxx 6.4), internal to db/: one connection that is the Driver,
// its HistoryTable and its MigrationLock. Its methods are defined by concern across this
// folder: connection.cpp (connecting, session settings, error translation), history.cpp,
// lock.cpp, batch.cpp (revisions and batches in transactions, no-transaction revisions)
// and session.cpp (C++ steps).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "db/postgres/connection.hpp"
#include "migrate/db/driver.hpp"
#include "migrate/db/history_shape.hpp"
#include "migrate/source/statement_lexer.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"

namespace migrate::db {

/// Connects to url; throws DatabaseUnreachable when the server cannot be reached.
std::unique_ptr<Driver> open_postgres(const config::DatabaseUrl& url);

class NoticeLogger;

class PostgresDriver final : public Driver, public HistoryTable, public MigrationLock {
 public:
  explicit PostgresDriver(const config::DatabaseUrl& url);
  ~PostgresDriver() override;

  Dialect dialect() const override { return Dialect::postgres; }
  int server_version() const override { return m_conn->server_version(); }
  HistoryTable& history() override { return *this; }
  MigrationLock& lock() override { return *this; }
  void set_timeouts(const Timeouts& timeouts) override { m_timeouts = timeouts; }

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
  void record(const std::string& service, const std::vector<HistoryRow>& insert,
              const std::vector<Version>& remove) override;

  // lock.cpp: MigrationLock
  std::optional<LockInfo> read() override;
  LockAttempt try_lock(const std::string& holder, std::chrono::milliseconds) override;
  void heartbeat(const std::string& holder) override;
  std::optional<bool> session_alive() override;
  std::optional<LockInfo> break_lock(const std::string& holder) override;
  void unlock(const std::string& holder) noexcept override;

 private:
  // connection.cpp
  void configure_session();
  std::string lost_reason(const pqxx::broken_connection& e);
  std::string unreachable_message(const std::string& detail) const;
  void exec(const std::string& sql);
  bool table_exists(const std::string& table);
  /// A bookkeeping table by its schema-qualified name: found whatever a revision did to
  /// search_path.
  std::string table(std::string_view name) const { return m_schema + std::string(name); }
  /// migrate's history table ([defaults] history_table), schema-qualified and quoted.
  std::string history_table() const { return m_schema + m_history_name; }
  /// Throws BlockedError when the history table, as last looked at, is another tool's.
  void require_own_history() const;
  /// Takes the history table's columns from a history_columns_query() result.
  void note_history_columns(const pqxx::field& columns);
  std::string restore_session() const;
  void rollback_quietly() noexcept;

  // Runs body, translating libpqxx errors into migrate errors.
  template <typename Body>
  auto guarded(const char* what, Body&& body) -> decltype(body()) {
    try {
      return body();
    } catch (const pqxx::broken_connection& e) {
      throw DatabaseUnreachable("lost the connection to " + m_url.redacted + " while trying to " + what + ": " +
                                lost_reason(e));
    } catch (const pqxx::sql_error& e) {
      throw_if_interrupted(e);
      throw RevisionFailed("cannot " + std::string(what) + ": " + config::redact(describe(e), m_url), e.sqlstate());
    } catch (const pqxx::failure& e) {
      throw RevisionFailed("cannot " + std::string(what) + ": " + config::redact(e.what(), m_url));
    }
  }

  // history.cpp
  std::string insert_statement(const HistoryRow& row, std::string_view duration_ms,
                               std::string_view applied_at = "DEFAULT");
  std::string delete_statement(const std::string& service, Version version);

  // lock.cpp
  void create_bookkeeping_tables(pqxx::work& tx);

  LockAttempt take_row(pqxx::work& tx, const std::string& holder, std::chrono::milliseconds stale_after);
  bool pooled_holder_gone(pqxx::work& tx, const LockInfo& row, std::chrono::milliseconds stale_after);
  std::string row_holder(const std::string& holder) const;
  void release_advisory_lock() noexcept;
  std::optional<LockInfo> lock_row(pqxx::transaction_base& tx);

  // batch.cpp
  // The history row a revision's transaction must leave behind (apply) or remove (revert).
  struct HistoryCheck {
    std::string service;
    Version version = 0;
    bool present = true;
  };
  void run_in_transaction(const std::string& body, const std::optional<HistoryCheck>& check = std::nullopt,
                          std::size_t revision_lines = std::string::npos);
  static void settle_outcome(BatchKind kind, const std::vector<BatchStep>& steps, const pqxx::result& result,
                             BatchOutcome& outcome);
  static std::vector<std::chrono::milliseconds> parse_durations(const pqxx::result& result);
  static void reject_nul(std::string_view sql);
  static std::size_t line_count(std::string_view sql);
  void run_alone(const source::Statement& statement, int number);
  void reset_session() noexcept;

  // session.cpp
  template <typename Record>
  void step_transaction(const StepBody& body, Record&& record);

  config::DatabaseUrl m_url;
  std::unique_ptr<pqxx::connection> m_conn;
  std::unique_ptr<NoticeLogger> m_notices;
  bool m_holds_advisory_lock = false;
  Timeouts m_timeouts;        ///< for the revisions that follow (set_timeouts)
  std::string m_search_path;  ///< the runner's own, restored after each revision
  std::string m_schema;       ///< "schema." of the bookkeeping tables (see table())
  std::string m_history_name;  ///< the history table's quoted name, unqualified
  HistoryShape m_history_shape = HistoryShape::absent;  ///< as found at connect (or on creating it)
  std::vector<std::string> m_history_columns;           ///< its columns then, for the refusal
  /// The shape of schema_migrations at connect when history_table names another table.
  HistoryShape m_default_shape = HistoryShape::absent;
  bool m_pooled = false;      ///< behind a transaction pooler: no session state (pooler.hpp)
  unsigned m_batches = 0;     ///< batches sent on this connection, to name each one's setting
  PGconn* m_raw = nullptr;    ///< libpqxx's libpq connection, for the server's reason when it is lost
  std::unique_ptr<PGcancel, void (*)(PGcancel*)> m_cancel{nullptr, PQfreeCancel};
  std::unique_ptr<util::CancelRegistration> m_cancel_registration;  ///< before m_cancel goes
};

}  // namespace migrate::db
