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
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"

namespace migrate::db {

namespace {

constexpr int k_busy_timeout_ms = 5000;
constexpr int k_lock_busy_timeout_ms = 100;

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

class SqliteDriver final : public Driver {
 public:
  SqliteDriver(const std::string& file, int flags, std::string label)
      : m_db(file, flags, k_busy_timeout_ms),
        m_label(std::move(label)),
        m_interrupt(interrupt_sqlite, m_db.getHandle()) {
    m_db.exec("PRAGMA foreign_keys = ON");
  }

  Dialect dialect() const override { return Dialect::sqlite; }

  int server_version() const override { return 0; }

  std::vector<AppliedRevision> read_history(const std::string& service) override {
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
    in_transaction([&] {
      const auto started = std::chrono::steady_clock::now();
      exec_inside(sql);
      insert(row, std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started).count());
    });
  }

  void revert(const std::string& sql, const std::string& service, Version version) override {
    reject_nul(sql);
    in_transaction([&] {
      exec_inside(sql);
      remove(service, version);
    });
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

  void rewrite_history(const std::vector<HistoryRow>& rows) override {
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

  void record_history(const std::string& service, const std::vector<HistoryRow>& insert_rows,
                      const std::vector<Version>& remove_versions) override {
    in_transaction([&] {
      for (Version version : remove_versions) remove(service, version);
      for (const HistoryRow& row : insert_rows) insert(row, 0);
    });
  }

  std::optional<LockInfo> read_lock() override {
    return guarded("read migration_lock", [&]() -> std::optional<LockInfo> {
      if (!m_db.tableExists("migration_lock")) return std::nullopt;
      return lock_row();
    });
  }

  LockAttempt try_lock(const std::string& holder, std::chrono::milliseconds stale_after) override {
    // Another runner's revision may hold SQLite's write lock for a long time: wait for it
    // only briefly here and report "not acquired", so that LockGuard keeps polling.
    m_db.setBusyTimeout(k_lock_busy_timeout_ms);
    struct RestoreTimeout {
      SQLite::Database& db;
      ~RestoreTimeout() { db.setBusyTimeout(k_busy_timeout_ms); }
    } restore{m_db};
    try {
      return take_lock(holder, stale_after);
    } catch (const RevisionFailed& e) {
      if (e.sqlstate().empty()) throw;
      const int primary = std::stoi(e.sqlstate()) & 0xff;  // the extended code's primary part
      if (primary != SQLITE_BUSY && primary != SQLITE_LOCKED) throw;
      LockAttempt attempt;
      try {
        attempt.holder = m_db.tableExists("migration_lock") ? lock_row() : std::nullopt;
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
      const double stale_seconds = static_cast<double>(stale_after.count()) / 1000.0;
      if (current && current->heartbeat_age_seconds < stale_seconds) {
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

  std::optional<bool> lock_session_alive() override { return std::nullopt; }

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
      ImmediateTransaction tx(m_db);
      SqliteSession session(m_db);
      const auto started = std::chrono::steady_clock::now();
      body(session);
      record(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                 .count());
      refresh_heartbeat();
      tx.commit();
    } catch (const SQLite::Exception& e) {
      throw_if_interrupted(e.getErrorCode());
      throw RevisionFailed(e.what(), std::to_string(e.getExtendedErrorCode()));
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
