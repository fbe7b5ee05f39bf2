// SQLite through SQLiteCpp 3.2.1. Every SQLite::Exception is translated here (STYLE rule 2).
#include "db/sqlite_driver.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <system_error>

#include "migrate/db/bookkeeping_schema.hpp"
#include "db/driver_messages.hpp"
#include "db/sqlite_session.hpp"
#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/system.hpp"

namespace migrate::db {

namespace {

// The least a statement waits for SQLite's write lock, whatever the lock wait: other
// runners polling try_lock hold it for moments.
constexpr std::chrono::milliseconds k_busy_timeout{5000};
constexpr int k_lock_busy_timeout_ms = 100;
constexpr int k_reported_violations = 3;

// BEGIN IMMEDIATE ... COMMIT, rolled back by the destructor unless committed.
// (SQLiteCpp 3.2.1's Transaction only issues a deferred BEGIN, which can deadlock two
// writers that both upgrade from a read; IMMEDIATE takes the write lock up front.)
class ImmediateTransaction {
 public:
  explicit ImmediateTransaction(SQLite::Database& db) : m_db(db) { m_db.exec("BEGIN IMMEDIATE"); }
  ~ImmediateTransaction() {
    if (m_open) {
      try {
        m_db.exec("ROLLBACK");
      } catch (const SQLite::Exception& e) {
        spdlog::debug("sqlite rollback: {}", e.what());
      }
    }
  }
  ImmediateTransaction(const ImmediateTransaction&) = delete;
  ImmediateTransaction& operator=(const ImmediateTransaction&) = delete;
  void commit() {
    m_db.exec("COMMIT");
    m_open = false;
  }

 private:
  SQLite::Database& m_db;
  bool m_open = true;
};

// Run from the SIGINT/SIGTERM handler: sqlite3_interrupt only sets a flag the running
// statement polls, and SQLite rolls back the transaction it interrupts.
void interrupt_sqlite(void* db) noexcept { sqlite3_interrupt(static_cast<sqlite3*>(db)); }

// A statement stopped by our own interrupt handler: throws Interrupted.
void throw_if_interrupted(int error_code) {
  if ((error_code & 0xff) == SQLITE_INTERRUPT) util::throw_if_interrupted();
}

// PRAGMA foreign_keys is a no-op inside a transaction, and with it on, a revision that
// rebuilds a table (SQLite's 12-step procedure: create, copy, DROP TABLE, rename) deletes
// every referencing row through ON DELETE CASCADE. So revisions run with foreign keys off,
// set before BEGIN, and are checked with PRAGMA foreign_key_check before COMMIT. Off for
// this scope unless an enclosing one (a batch) turned them off already; on again after,
// on the failure path too (the transaction is rolled back first: it is the inner scope).
class ForeignKeysOff {
 public:
  ForeignKeysOff(SQLite::Database& db, bool& off) : m_db(db), m_off(off) {
    if (m_off) return;
    m_db.exec("PRAGMA foreign_keys = OFF");
    m_off = true;
    m_owner = true;
  }
  ~ForeignKeysOff() {
    if (!m_owner) return;
    m_off = false;
    try {
      m_db.exec("PRAGMA foreign_keys = ON");
    } catch (const SQLite::Exception& e) {
      spdlog::warn("could not turn SQLite foreign keys back on: {}", e.what());
    }
  }
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

 private:
  SQLite::Database& m_db;
  bool& m_off;
  bool m_owner = false;
};

class SqliteDriver final : public Driver, public HistoryTable, public MigrationLock {
 public:
  SqliteDriver(const std::string& file, int flags, std::string label)
      : m_db(file, flags, static_cast<int>(k_busy_timeout.count())),
        m_label(std::move(label)),
        m_interrupt(interrupt_sqlite, m_db.getHandle()) {
    // legacy_alter_table off (SQLite's default, made sure of): RENAME TO rewrites the
    // references to the renamed table, as the 12-step procedure expects.
    m_db.exec("PRAGMA foreign_keys = ON; PRAGMA legacy_alter_table = OFF");
  }

  Dialect dialect() const override { return Dialect::sqlite; }

  HistoryTable& history() override { return *this; }

  MigrationLock& lock() override { return *this; }

  int server_version() const override { return 0; }

  std::vector<AppliedRevision> read(const std::string& service) override {
    return guarded("read schema_migrations", [&] {
      std::vector<AppliedRevision> history;
      if (!m_db.tableExists("schema_migrations")) return history;
      SQLite::Statement query(m_db,
                              "SELECT version, name, kind, checksum, applied_at, duration_ms, "
                              "applied_by, dirty FROM schema_migrations WHERE service = ? "
                              "ORDER BY version");
      query.bind(1, service);
      while (query.executeStep()) {
        history.push_back({query.getColumn(0).getInt64(), query.getColumn(1).getString(),
                           query.getColumn(2).getString(), query.getColumn(3).getString(),
                           query.getColumn(4).getString(), query.getColumn(5).getInt64(),
                           query.getColumn(6).getString(), query.getColumn(7).getInt() != 0});
      }
      return history;
    });
  }

  void apply(const std::string& sql, const HistoryRow& row) override {
    reject_nul(sql);
    revision_transaction([&] {
      const auto started = std::chrono::steady_clock::now();
      exec_inside(sql);
      insert(row, std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started).count());
    });
  }

  void revert(const std::string& sql, const std::string& service, Version version) override {
    reject_nul(sql);
    revision_transaction([&] {
      exec_inside(sql);
      remove(service, version);
    });
  }

  BatchOutcome run_batch(BatchKind kind, const std::vector<BatchStep>& steps) override {
    // Foreign keys off once for the whole batch, not around each of its transactions.
    std::optional<ForeignKeysOff> off;
    guarded("turn foreign keys off", [&] {
      off.emplace(m_db, m_foreign_keys_off);
      return 0;
    });
    return Driver::run_batch(kind, steps);
  }

  void apply_step(const StepBody& body, const HistoryRow& row) override {
    step_transaction(body, [&](std::int64_t elapsed_ms) { insert(row, elapsed_ms); });
  }

  void revert_step(const StepBody& body, const std::string& service, Version version) override {
    step_transaction(body, [&](std::int64_t) { remove(service, version); });
  }

  void transact(const StepBody& body) override {
    step_transaction(body, [](std::int64_t) {});
  }

  void set_timeouts(const Timeouts&) override {}

  void execute_each(std::string_view sql, const std::function<void()>& after_each) override {
    // SQLite's own parser finds where each statement ends (trigger bodies, `end` used as
    // a column name): prepare one, step it to completion, go on from its tail. Each
    // statement runs in autocommit, and later ones are prepared only once the earlier
    // ones ran, so they can use what those created.
    reject_nul(sql);
    sqlite3* db = m_db.getHandle();
    const char* tail = sql.data();
    const char* const end = sql.data() + sql.size();
    int number = 0;
    while (tail < end) {
      sqlite3_stmt* raw = nullptr;
      const char* next = nullptr;
      const std::size_t line = line_of(sql, tail);
      int rc = sqlite3_prepare_v2(db, tail, static_cast<int>(end - tail), &raw, &next);
      std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> statement(raw, sqlite3_finalize);
      if (rc == SQLITE_OK && statement == nullptr) {  // white space, comments or a lone ';'
        if (next == nullptr || next <= tail) break;
        tail = next;
        continue;
      }
      ++number;
      if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
        }
      }
      if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        throw_if_interrupted(sqlite3_extended_errcode(db));
        throw RevisionFailed(statement_failure(number, line, sqlite3_errmsg(db)),
                             std::to_string(sqlite3_extended_errcode(db)));
      }
      statement.reset();
      // At once: the statement may have run longer than lock_stale_after.
      guarded("refresh the migration lock", [&] {
        refresh_heartbeat();
        return 0;
      });
      after_each();
      tail = next;
    }
  }

  void set_dirty(const std::string& service, Version version, bool dirty,
                 std::optional<std::int64_t> duration_ms) override {
    guarded("update schema_migrations", [&] {
      SQLite::Statement update(m_db,
                               "UPDATE schema_migrations SET dirty = ?, duration_ms = COALESCE(?, duration_ms) "
                               "WHERE service = ? AND version = ?");
      update.bind(1, dirty ? 1 : 0);
      if (duration_ms) update.bind(2, static_cast<int64_t>(*duration_ms));
      update.bind(3, service);
      update.bind(4, static_cast<int64_t>(version));
      return update.exec();
    });
  }

  void rewrite(const std::vector<HistoryRow>& rows) override {
    in_transaction([&] {
      for (const HistoryRow& row : rows) {
        SQLite::Statement update(m_db,
                                 "UPDATE schema_migrations SET name = ?, kind = ?, checksum = ?, dirty = 0 "
                                 "WHERE service = ? AND version = ?");
        update.bind(1, row.name);
        update.bind(2, row.kind);
        update.bind(3, row.checksum);
        update.bind(4, row.service);
        update.bind(5, static_cast<int64_t>(row.version));
        update.exec();
      }
    });
  }

  void record(const std::string& service, const std::vector<HistoryRow>& insert_rows,
                      const std::vector<Version>& remove_versions) override {
    in_transaction([&] {
      for (Version version : remove_versions) remove(service, version);
      for (const HistoryRow& row : insert_rows) insert(row, 0);
    });
  }

  std::optional<LockInfo> read() override {
    return guarded("read migration_lock", [&]() -> std::optional<LockInfo> {
      if (!m_db.tableExists("migration_lock")) return std::nullopt;
      return lock_row();
    });
  }

  void set_wait(std::chrono::milliseconds wait) override {
    m_busy_wait = std::max(wait, k_busy_timeout);
    m_db.setBusyTimeout(busy_timeout_ms());
  }

  LockAttempt try_lock(const std::string& holder, std::chrono::milliseconds stale_after) override {
    // Another runner's revision may hold SQLite's write lock for a long time: wait for it
    // only briefly here and report "not acquired", so that LockGuard keeps polling.
    m_db.setBusyTimeout(k_lock_busy_timeout_ms);
    struct RestoreTimeout {
      SQLite::Database& db;
      int timeout_ms;
      ~RestoreTimeout() { db.setBusyTimeout(timeout_ms); }
    } restore{m_db, busy_timeout_ms()};
    try {
      return take_lock(holder, stale_after);
    } catch (const RevisionFailed& e) {
      if (e.sqlstate().empty()) throw;
      const int primary = std::stoi(e.sqlstate()) & 0xff;  // the extended code's primary part
      if (primary != SQLITE_BUSY && primary != SQLITE_LOCKED) throw;
      LockAttempt attempt;
      try {
        attempt.holder = m_db.tableExists("migration_lock") ? lock_row() : std::nullopt;
        // No runner's row, or the row of a runner of this host that is gone: whoever holds
        // the write lock is no migrate runner.
        if (!attempt.holder || holder_alive(*attempt.holder) == std::optional<bool>(false)) {
          attempt.holder.reset();
          attempt.blocked_by = foreign_lock_cause();
        }
      } catch (const SQLite::Exception&) {
        // The writer is committing; who holds the lock is unknown for now.
      }
      return attempt;
    }
  }

 private:
  LockAttempt take_lock(const std::string& holder, std::chrono::milliseconds stale_after) {
    return guarded("take the migration lock", [&] {
      LockAttempt attempt;
      ImmediateTransaction tx(m_db);
      m_db.exec(std::string(k_sqlite_bookkeeping_sql));
      std::optional<LockInfo> current = lock_row();
      if (current && !holder_gone(*current, stale_after)) {
        attempt.holder = current;
        return attempt;  // rolled back: nothing to keep
      }
      m_db.exec("DELETE FROM migration_lock");
      SQLite::Statement take(m_db, "INSERT INTO migration_lock (lock_id, holder) VALUES (1, ?)");
      take.bind(1, holder);
      take.exec();
      tx.commit();
      m_lock_holder = holder;
      attempt.acquired = true;
      attempt.broken = current;
      return attempt;
    });
  }

 public:
  void heartbeat(const std::string& holder) override {
    guarded("refresh the migration lock", [&] {
      SQLite::Statement update(m_db,
                               "UPDATE migration_lock SET heartbeat_at = "
                               "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE holder = ?");
      update.bind(1, holder);
      if (update.exec() == 0) throw LockHeld(lost_lock_message(m_label));
      return 0;
    });
  }

  std::optional<bool> session_alive() override {
    return guarded("read migration_lock", [&]() -> std::optional<bool> {
      if (!m_db.tableExists("migration_lock")) return std::nullopt;
      const std::optional<LockInfo> current = lock_row();
      return current ? holder_alive(*current) : std::nullopt;
    });
  }

  std::optional<LockInfo> break_lock(const std::string& holder) override {
    return guarded("break the migration lock", [&]() -> std::optional<LockInfo> {
      if (!m_db.tableExists("migration_lock")) {
        throw LockHeld("the lock of " + holder + " is gone already; nothing was broken");
      }
      ImmediateTransaction tx(m_db);
      std::optional<LockInfo> removed = lock_row();
      if (!removed || removed->holder != holder) {
        throw LockHeld("the lock changed hands: it is now " +
                       (removed ? "held by " + removed->holder : std::string("free")) + ", not by " + holder +
                       "; nothing was broken, look again with `migrate lock status`");
      }
      m_db.exec("DELETE FROM migration_lock");
      tx.commit();
      return removed;
    });
  }

  void unlock(const std::string& holder) noexcept override {
    if (holder == m_lock_holder) m_lock_holder.clear();
    try {
      SQLite::Statement release(m_db, "DELETE FROM migration_lock WHERE holder = ?");
      release.bind(1, holder);
      release.exec();
    } catch (const SQLite::Exception& e) {
      spdlog::warn("could not release the migration lock on {}: {}", m_label, e.what());
    }
  }

 private:
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

  // A revision's transaction: foreign keys off around it (see ForeignKeysOff), checked
  // before the commit; SQLite's write lock waited for up to the lock wait.
  template <typename Body>
  void revision_transaction(Body&& body) {
    try {
      ForeignKeysOff off(m_db, m_foreign_keys_off);
      ImmediateTransaction tx(m_db);
      body();
      check_foreign_keys();
      refresh_heartbeat();
      tx.commit();
    } catch (const SQLite::Exception& e) {
      rethrow_translated(e);
    }
  }

  template <typename Body>
  void in_transaction(Body&& body) {
    try {
      ImmediateTransaction tx(m_db);
      body();
      refresh_heartbeat();
      tx.commit();
    } catch (const SQLite::Exception& e) {
      throw_if_interrupted(e.getErrorCode());
      throw RevisionFailed(e.what(), std::to_string(e.getExtendedErrorCode()));
    }
  }

  // Runs body in an IMMEDIATE transaction, then record(milliseconds body took), then
  // commits; anything thrown rolls back and becomes RevisionFailed.
  template <typename Record>
  void step_transaction(const StepBody& body, Record&& record) {
    try {
      ForeignKeysOff off(m_db, m_foreign_keys_off);
      ImmediateTransaction tx(m_db);
      SqliteSession session(m_db);
      const auto started = std::chrono::steady_clock::now();
      body(session);
      record(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                 .count());
      check_foreign_keys();
      refresh_heartbeat();
      tx.commit();
    } catch (const SQLite::Exception& e) {
      rethrow_translated(e);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw RevisionFailed(e.what());
    }
  }

  // SQLite reads SQL as a C string: a NUL would silently end the revision there.
  static void reject_nul(std::string_view sql) {
    if (sql.find('\0') != std::string_view::npos) {
      throw RevisionFailed("the SQL holds a NUL byte, where SQLite would stop reading it; nothing of it was run");
    }
  }

  // Runs a revision's SQL inside the transaction that records it. A COMMIT, END or
  // ROLLBACK in it ends that transaction: its history change must then not be written
  // on its own, in autocommit, as if the revision had run whole.
  void exec_inside(const std::string& sql) {
    m_db.exec(sql);
    if (sqlite3_get_autocommit(m_db.getHandle()) != 0) {
      throw RevisionFailed("the revision ended migrate's transaction itself (a COMMIT, END or ROLLBACK): what ran "
                           "before that may have been committed, its history row was not written");
    }
  }

  void insert(const HistoryRow& row, std::int64_t duration_ms) {
    SQLite::Statement statement(m_db,
                                "INSERT INTO schema_migrations (service, version, name, kind, "
                                "checksum, duration_ms, applied_by, dirty) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    statement.bind(1, row.service);
    statement.bind(2, static_cast<int64_t>(row.version));
    statement.bind(3, row.name);
    statement.bind(4, row.kind);
    statement.bind(5, row.checksum);
    statement.bind(6, static_cast<int64_t>(duration_ms));
    statement.bind(7, row.applied_by);
    statement.bind(8, row.dirty ? 1 : 0);
    statement.exec();
  }

  void remove(const std::string& service, Version version) {
    SQLite::Statement statement(m_db, "DELETE FROM schema_migrations WHERE service = ? AND version = ?");
    statement.bind(1, service);
    statement.bind(2, static_cast<int64_t>(version));
    statement.exec();
  }

  std::optional<LockInfo> lock_row() {
    SQLite::Statement query(m_db,
                            "SELECT holder, acquired_at, heartbeat_at, "
                            "(julianday('now') - julianday(heartbeat_at)) * 86400.0 "
                            "FROM migration_lock WHERE lock_id = 1");
    if (!query.executeStep()) return std::nullopt;
    return LockInfo{query.getColumn(0).getString(), query.getColumn(1).getString(),
                    query.getColumn(2).getString(), query.getColumn(3).getDouble()};
  }

  // A revision's SQLite error: SQLITE_BUSY (the file stayed locked by another connection
  // for the whole lock wait) is a held lock, exit 3, not a failed revision.
  [[noreturn]] void rethrow_translated(const SQLite::Exception& e) const {
    throw_if_interrupted(e.getErrorCode());
    if (e.getErrorCode() == SQLITE_BUSY) {
      throw LockHeld(foreign_lock_cause() + "; waited " + util::format_duration(m_busy_wait) +
                     "; retry when it is free, or pass a longer --lock-wait");
    }
    throw RevisionFailed(e.what(), std::to_string(e.getExtendedErrorCode()));
  }

  std::string foreign_lock_cause() const {
    return "the SQLite file " + m_label +
           " is write-locked by another connection (an application?), not by a migrate runner";
  }

  int busy_timeout_ms() const {
    return static_cast<int>(std::min<std::chrono::milliseconds::rep>(m_busy_wait.count(), 2'000'000'000));
  }

  // With foreign keys off, nothing checked the revision's rows: PRAGMA foreign_key_check
  // does, before COMMIT (step 10 of SQLite's table-rebuild procedure).
  void check_foreign_keys() {
    SQLite::Statement check(m_db, "PRAGMA foreign_key_check");
    std::string found;
    int violations = 0;
    while (check.executeStep()) {
      if (++violations > k_reported_violations) continue;
      const SQLite::Column rowid = check.getColumn(1);
      found += (violations > 1 ? "; " : "") + check.getColumn(0).getString() + " row " +
               (rowid.isNull() ? std::string("(without rowid)") : "rowid " + rowid.getString()) +
               " references a missing row of " + check.getColumn(2).getString();
    }
    if (violations == 0) return;
    if (violations > k_reported_violations) found += "; …";
    throw RevisionFailed("foreign key check failed before commit: " + std::to_string(violations) +
                         " row(s) violate foreign keys (" + found +
                         "); rolled back. Revisions run with foreign_keys off, as SQLite's table-rebuild "
                         "procedure needs, so ON DELETE/ON UPDATE actions do not fire in them: delete or fix "
                         "those rows in the revision itself");
  }

  // Whether the holder of the lock row is gone: a process of this host by its pid, at once
  // (alive, it is never taken over, however old its heartbeat: it may be inside one long
  // statement); a holder on another host when its heartbeat is older than stale_after.
  bool holder_gone(const LockInfo& holder, std::chrono::milliseconds stale_after) {
    if (const std::optional<bool> alive = holder_alive(holder)) return !*alive;
    return holder.heartbeat_age_seconds >= static_cast<double>(stale_after.count()) / 1000.0;
  }

  // util::local_holder_alive for the lock row's holder: nullopt for another host's.
  std::optional<bool> holder_alive(const LockInfo& holder) {
    SQLite::Statement query(m_db,
                            "SELECT (julianday('now') - julianday(acquired_at)) * 86400.0 "
                            "FROM migration_lock WHERE holder = ?");
    query.bind(1, holder.holder);
    const double held_for = query.executeStep() ? query.getColumn(0).getDouble() : 0.0;
    return util::local_holder_alive(holder.holder, held_for);
  }

  // Inside a write transaction: its commit refreshes the lock's heartbeat too, so however
  // long a revision ran, the lock is never seen stale between its commit and the next
  // heartbeat (nobody can write, and so take the lock over, while it runs).
  // Throws LockHeld, which rolls the transaction back, when the lock was lost meanwhile.
  void refresh_heartbeat() {
    if (m_lock_holder.empty()) return;
    SQLite::Statement update(m_db,
                             "UPDATE migration_lock SET heartbeat_at = "
                             "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE holder = ?");
    update.bind(1, m_lock_holder);
    if (update.exec() == 0) throw LockHeld(lost_lock_message(m_label));
  }

  // The 1-based line of sql on which the statement at `at` has its first token.
  static std::size_t line_of(std::string_view sql, const char* at) {
    std::size_t offset = static_cast<std::size_t>(at - sql.data());
    for (;;) {
      while (offset < sql.size() && std::isspace(static_cast<unsigned char>(sql[offset]))) ++offset;
      if (sql.compare(offset, 2, "--") != 0) break;
      offset = sql.find('\n', offset);
      if (offset == std::string_view::npos) offset = sql.size();
    }
    return 1 + static_cast<std::size_t>(std::count(sql.begin(), sql.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  }

  SQLite::Database m_db;
  std::string m_label;
  std::string m_lock_holder;  ///< set while this driver holds the lock
  util::CancelRegistration m_interrupt;  ///< SIGINT/SIGTERM interrupt the statement running
  std::chrono::milliseconds m_busy_wait = k_busy_timeout;  ///< how long to wait for SQLite's write lock
  bool m_foreign_keys_off = false;  ///< inside a ForeignKeysOff scope
};

}  // namespace

std::unique_ptr<Driver> open_sqlite(const config::DatabaseUrl& url, OpenMode mode) {
  namespace fs = std::filesystem;
  std::error_code ec;
  try {
    if (mode == OpenMode::read_only) {
      // A database that does not exist yet has nothing applied; opening an in-memory
      // database keeps status and dry runs from creating the file.
      if (!fs::exists(url.sqlite_path, ec)) {
        return std::make_unique<SqliteDriver>(":memory:", SQLite::OPEN_READWRITE, url.redacted);
      }
      return std::make_unique<SqliteDriver>(url.sqlite_path.string(), SQLite::OPEN_READONLY, url.redacted);
    }
    // Create the database's own folder (the default var/) but never a whole missing
    // tree: a mistyped path should fail, not write somewhere unexpected.
    const fs::path folder = url.sqlite_path.parent_path();
    if (!folder.empty() && !fs::exists(folder, ec)) {
      if (!fs::is_directory(folder.parent_path(), ec) || !fs::create_directory(folder, ec)) {
        throw DatabaseUnreachable("cannot open " + url.redacted + ": folder " + folder.string() +
                                  " does not exist");
      }
    }
    return std::make_unique<SqliteDriver>(url.sqlite_path.string(),
                                          SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, url.redacted);
  } catch (const SQLite::Exception& e) {
    throw DatabaseUnreachable("cannot open " + url.redacted + ": " + e.what());
  }
}

}  // namespace migrate::db
