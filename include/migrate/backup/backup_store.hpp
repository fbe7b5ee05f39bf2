// The backup folder: names, listing and retention of <service>_<YYYYMMDDTHHMMSSZ>.<ext> files.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "migrate/model/revision.hpp"

namespace migrate::backup {

/// What a backup records about its source, in a sidecar file `<backup>.json` beside it
/// (mode 0600): which database it is of, and which services that database held at
/// which revision. Backups taken before sidecars existed have none.
struct BackupInfo {
  std::string database;  ///< config::database_identity of the source
  std::string url;       ///< the source's redacted URL, for people
  /// Every service of the manifest on that database, and its applied head then
  /// (nullopt: nothing applied).
  std::map<std::string, std::optional<Version>> services;
};

/// A backup file found in the folder.
struct BackupFile {
  std::filesystem::path path;
  std::string service;    ///< the service it is named after
  std::string timestamp;  ///< YYYYMMDDTHHMMSSZ
  std::uintmax_t size = 0;
  std::optional<BackupInfo> info;  ///< from its sidecar, when it has one
};

/// The sidecar of a backup file: `<file>.json`.
std::filesystem::path info_path(const std::filesystem::path& file);

/// Writes file's sidecar (0600, written whole under a temporary name, then renamed).
/// Throws BackupFailed.
void write_info(const std::filesystem::path& file, const BackupInfo& info);

/// Reads file's sidecar; nullopt when it has none or it cannot be read.
std::optional<BackupInfo> read_info(const std::filesystem::path& file);

/// Knows the folder's naming scheme. Extensions: .sql (plain pg_dump), .dump (custom
/// pg_dump), .sqlite3 (SQLite copy).
class BackupStore {
 public:
  explicit BackupStore(std::filesystem::path dir) : m_dir(std::move(dir)) {}

  const std::filesystem::path& dir() const { return m_dir; }

  /// The service's backups, newest first: those named after it, and those of a database
  /// it shares whose sidecar lists it. Temporary (.partial) files are not listed.
  std::vector<BackupFile> list(const std::string& service) const;

  /// The service's backups of one database (its config::database_identity), newest
  /// first; an empty `database` selects the backups without a sidecar.
  std::vector<BackupFile> list(const std::string& service, const std::string& database) const;

  /// A name for a new backup taken at `time` that sorts after every existing backup of
  /// that second (<service>_<stamp>.<ext>, then <service>_<stamp>-2.<ext>, …).
  std::filesystem::path new_path(const std::string& service, const std::string& extension,
                                 std::chrono::system_clock::time_point time) const;

  /// Removes all but the newest `keep` backups of service taken from `database` (see
  /// list; empty: the backups without a sidecar), with their sidecars, never `protect`
  /// (the backup a run just took, even if files dated later exist); returns the removed
  /// files. Backups of other databases are never touched.
  std::vector<std::filesystem::path> prune(const std::string& service, int keep,
                                           const std::filesystem::path& protect = {},
                                           const std::string& database = {}) const;

 private:
  std::filesystem::path m_dir;
};

/// "20261121T054141Z".
std::string backup_timestamp(std::chrono::system_clock::time_point time);

}  // namespace migrate::backup
