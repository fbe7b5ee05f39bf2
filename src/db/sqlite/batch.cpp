// SQLite revisions in transactions: one revision, a batch of them with foreign keys off
// once, and the statements of a no-transaction revision one at a time.
#include "db/sqlite/sqlite_driver.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "db/driver_messages.hpp"

namespace migrate::db {

namespace {

constexpr int k_reported_violations = 3;

}  // namespace

void SqliteDriver::apply(const std::string& sql, const HistoryRow& row) {
  reject_nul(sql);
  revision_transaction([&] {
    const auto started = std::chrono::steady_clock::now();
    exec_inside(sql);
    insert(row,
           std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  });
}

void SqliteDriver::revert(const std::string& sql, const std::string& service, Version version) {
  reject_nul(sql);
  revision_transaction([&] {
    exec_inside(sql);
    remove(service, version);
  });
}

BatchOutcome SqliteDriver::run_batch(BatchKind kind, const std::vector<BatchStep>& steps) {
  // Foreign keys off once for the whole batch, not around each of its transactions.
  std::optional<ForeignKeysOff> off;
  guarded("turn foreign keys off", [&] {
    off.emplace(m_db, m_foreign_keys_off);
    return 0;
  });
  return Driver::run_batch(kind, steps);
}

void SqliteDriver::execute_each(std::string_view sql, const std::function<void()>& after_each) {
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

// A revision's transaction: foreign keys off around it (see ForeignKeysOff), checked
// before the commit; SQLite's write lock waited for up to the lock wait.
template <typename Body>
void SqliteDriver::revision_transaction(Body&& body) {
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

// SQLite reads SQL as a C string: a NUL would silently end the revision there.
void SqliteDriver::reject_nul(std::string_view sql) {
  if (sql.find('\0') != std::string_view::npos) {
    throw RevisionFailed("the SQL holds a NUL byte, where SQLite would stop reading it; nothing of it was run");
  }
}

// Runs a revision's SQL inside the transaction that records it. A COMMIT, END or
// ROLLBACK in it ends that transaction: its history change must then not be written
// on its own, in autocommit, as if the revision had run whole.
void SqliteDriver::exec_inside(const std::string& sql) {
  m_db.exec(sql);
  if (sqlite3_get_autocommit(m_db.getHandle()) != 0) {
    throw RevisionFailed(
        "the revision ended migrate's transaction itself (a COMMIT, END or ROLLBACK): what ran "
        "before that may have been committed, its history row was not written");
  }
}

// With foreign keys off, nothing checked the revision's rows: PRAGMA foreign_key_check
// does, before COMMIT (step 10 of SQLite's table-rebuild procedure).
void SqliteDriver::check_foreign_keys() {
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

// The 1-based line of sql on which the statement at `at` has its first token.
std::size_t SqliteDriver::line_of(std::string_view sql, const char* at) {
  std::size_t offset = static_cast<std::size_t>(at - sql.data());
  for (;;) {
    while (offset < sql.size() && std::isspace(static_cast<unsigned char>(sql[offset]))) ++offset;
    if (sql.compare(offset, 2, "--") != 0) break;
    offset = sql.find('\n', offset);
    if (offset == std::string_view::npos) offset = sql.size();
  }
  return 1 + static_cast<std::size_t>(std::count(sql.begin(), sql.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace migrate::db
