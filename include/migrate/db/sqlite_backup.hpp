// Whole-database copies of SQLite files through SQLite's online backup API.
#pragma once

#include <filesystem>

namespace migrate::db {

/// Copies the database at `from` into `to` (created or overwritten) in one step of the
/// backup API: a consistent snapshot even while other connections write. When
/// `drop_lock_row` is set, the copy's migration_lock row is removed, so that restoring
/// it never brings back a lock. Throws BackupFailed.
void copy_sqlite_database(const std::filesystem::path& from, const std::filesystem::path& to,
                          bool drop_lock_row);

}  // namespace migrate::db
