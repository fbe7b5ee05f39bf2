// The backup folder: names, listing and retention of <service>_<YYYYMMDDTHHMMSSZ>.<ext> files.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace migrate::backup {

/// A backup file found in the folder.
struct BackupFile {
  std::filesystem::path path;
  std::string service;
  std::string timestamp;  ///< YYYYMMDDTHHMMSSZ
  std::uintmax_t size = 0;
};

/// Knows the folder's naming scheme. Extensions: .sql (plain pg_dump), .dump (custom
/// pg_dump), .sqlite3 (SQLite copy).
class BackupStore {
 public:
  explicit BackupStore(std::filesystem::path dir) : m_dir(std::move(dir)) {}

  const std::filesystem::path& dir() const { return m_dir; }

  /// The service's backups, newest first. Temporary (.partial) files are not listed.
  std::vector<BackupFile> list(const std::string& service) const;

  /// A name for a new backup taken at `time` that sorts after every existing backup of
  /// that second (<service>_<stamp>.<ext>, then <service>_<stamp>-2.<ext>, …).
  std::filesystem::path new_path(const std::string& service, const std::string& extension,
                                 std::chrono::system_clock::time_point time) const;

  /// Removes all but the newest `keep` backups of service, never `protect` (the backup a
  /// run just took, even if files dated later exist); returns the removed files.
  std::vector<std::filesystem::path> prune(const std::string& service, int keep,
                                           const std::filesystem::path& protect = {}) const;

 private:
  std::filesystem::path m_dir;
};

/// "20261121T054141Z".
std::string backup_timestamp(std::chrono::system_clock::time_point time);

}  // namespace migrate::backup
