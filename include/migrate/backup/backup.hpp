// Taking and restoring whole-database backups: pg_dump/psql/pg_restore as child processes
// for PostgreSQL, the online backup API for SQLite.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "migrate/backup/backup_store.hpp"
#include "migrate/config/database_url.hpp"

namespace migrate::backup {

enum class BackupFormat {
  plain,   ///< pg_dump plain SQL with --clean --if-exists (.sql)
  custom,  ///< pg_dump custom archive (.dump)
};

/// Backs up url's database into store as <service>_<UTC stamp>.<ext>: written to a
/// temporary name with mode 0600, renamed into place only when complete and non-empty.
/// The migration_lock row is left out, so a restore never brings back a lock.
/// `server_version` is the PostgreSQL server's version number (150018); pg_dump must be
/// at least that major version. Throws BackupFailed; nothing is left behind on failure.
std::filesystem::path take_backup(const config::DatabaseUrl& url, int server_version,
                                  const std::string& service, const BackupStore& store,
                                  BackupFormat format, std::chrono::system_clock::time_point now);

/// Replaces url's database with the backup in file, schema and data, in one transaction
/// (PostgreSQL: objects created after the backup are dropped first) or one backup-API
/// step (SQLite). Throws BackupFailed, leaving the database as it was.
void restore_backup(const config::DatabaseUrl& url, const std::filesystem::path& file);

}  // namespace migrate::backup
