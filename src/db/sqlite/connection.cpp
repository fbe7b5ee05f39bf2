// SQLite connection: opening the file, the busy wait, the interrupt handle for SIGINT/SIGTERM,
// and the translation of SQLite errors into migrate errors. Every SQLite::Exception is
// translated in this folder (STYLE rule 2).
#include "db/sqlite/connection.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>

#include "db/sqlite/sqlite_driver.hpp"
#include "migrate/util/duration.hpp"

namespace migrate::db {

namespace {

// Run from the SIGINT/SIGTERM handler: sqlite3_interrupt only sets a flag the running
// statement polls, and SQLite rolls back the transaction it interrupts.
void interrupt_sqlite(void* db) noexcept { sqlite3_interrupt(static_cast<sqlite3*>(db)); }

}  // namespace

void throw_if_interrupted(int error_code) {
  if ((error_code & 0xff) == SQLITE_INTERRUPT) util::throw_if_interrupted();
}

SqliteDriver::SqliteDriver(const std::string& file, int flags, std::string label, std::string history_table)
    : m_db(file, flags, static_cast<int>(k_busy_timeout.count())),
      m_label(std::move(label)),
      m_history_table(std::move(history_table)),
      m_history_quoted("\"" + m_history_table + "\""),
      m_interrupt(interrupt_sqlite, m_db.getHandle()) {
  // legacy_alter_table off (SQLite's default, made sure of): RENAME TO rewrites the
  // references to the renamed table, as the 12-step procedure expects.
  m_db.exec("PRAGMA foreign_keys = ON; PRAGMA legacy_alter_table = OFF");
}

// A revision's SQLite error: SQLITE_BUSY (the file stayed locked by another connection
// for the whole lock wait) is a held lock, exit 3, not a failed revision.
void SqliteDriver::rethrow_translated(const SQLite::Exception& e) const {
  throw_if_interrupted(e.getErrorCode());
  if (e.getErrorCode() == SQLITE_BUSY) {
    throw LockHeld(foreign_lock_cause() + "; waited " + util::format_duration(m_busy_wait) +
                   "; retry when it is free, or pass a longer --lock-wait");
  }
  throw RevisionFailed(e.what(), std::to_string(e.getExtendedErrorCode()));
}

std::string SqliteDriver::foreign_lock_cause() const {
  return "the SQLite file " + m_label +
         " is write-locked by another connection (an application?), not by a migrate runner";
}

int SqliteDriver::busy_timeout_ms() const {
  return static_cast<int>(std::min<std::chrono::milliseconds::rep>(m_busy_wait.count(), 2'000'000'000));
}

std::unique_ptr<Driver> open_sqlite(const config::DatabaseUrl& url, OpenMode mode) {
  namespace fs = std::filesystem;
  std::error_code ec;
  try {
    if (mode == OpenMode::read_only) {
      // A database that does not exist yet has nothing applied; opening an in-memory
      // database keeps status and dry runs from creating the file.
      if (!fs::exists(url.sqlite_path, ec)) {
        return std::make_unique<SqliteDriver>(":memory:", SQLite::OPEN_READWRITE, url.redacted,
                                              url.history_table);
      }
      return std::make_unique<SqliteDriver>(url.sqlite_path.string(), SQLite::OPEN_READONLY, url.redacted,
                                            url.history_table);
    }
    // Create the database's own folder (the default var/) but never a whole missing
    // tree: a mistyped path should fail, not write somewhere unexpected.
    const fs::path folder = url.sqlite_path.parent_path();
    if (!folder.empty() && !fs::exists(folder, ec)) {
      if (!fs::is_directory(folder.parent_path(), ec) || !fs::create_directory(folder, ec)) {
        throw DatabaseUnreachable("cannot open " + url.redacted + ": folder " + folder.string() + " does not exist");
      }
    }
    return std::make_unique<SqliteDriver>(url.sqlite_path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                          url.redacted, url.history_table);
  } catch (const SQLite::Exception& e) {
    throw DatabaseUnreachable("cannot open " + url.redacted + ": " + e.what());
  }
}

}  // namespace migrate::db
