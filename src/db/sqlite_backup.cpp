// SQLiteCpp's Backup wrapper; SQLite::Exception is translated here.
#include "migrate/db/sqlite_backup.hpp"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>

#include "migrate/util/error.hpp"

namespace migrate::db {

void copy_sqlite_database(const std::filesystem::path& from, const std::filesystem::path& to,
                          bool drop_lock_row) {
  try {
    SQLite::Database source(from.string(), SQLite::OPEN_READONLY, 5000);
    SQLite::Database target(to.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000);
    SQLite::Backup backup(target, source);
    backup.executeStep(-1);  // all pages at once, under one lock: a consistent copy
    if (drop_lock_row && target.tableExists("migration_lock")) target.exec("DELETE FROM migration_lock");
  } catch (const SQLite::Exception& e) {
    throw BackupFailed("cannot copy SQLite database " + from.string() + " to " + to.string() + ": " + e.what());
  }
}

}  // namespace migrate::db
