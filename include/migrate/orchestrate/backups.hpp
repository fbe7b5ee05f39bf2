// The verbs around backups: take them now (`backup`), list them (`backups`), and put a
// database back to one (`restore`).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "migrate/backup/backup_store.hpp"
#include "migrate/orchestrate/operation.hpp"
#include "migrate/orchestrate/run_backups.hpp"

namespace migrate::orchestrate {

/// A backup taken by `backup`.
struct TakenBackup {
  std::string service;
  std::string database;  ///< redacted URL
  std::filesystem::path file;
};

/// Backs up each selected service's database now, one file per database (named after
/// the first service using it), audited. Throws BackupFailed at the first failure.
std::vector<TakenBackup> backup_now(Operation& operation, const std::string& service, backup::BackupFormat format);

/// The backups of each selected service, newest first, read from the backup folder.
struct ServiceBackups {
  std::string service;
  std::vector<backup::BackupFile> files;
};
std::vector<ServiceBackups> list_backups(const config::Manifest& manifest, const std::string& service);

/// What `restore` is asked to do.
struct RestoreRequest {
  std::string service;
  std::filesystem::path file;  ///< empty: the service's newest backup of its database
  bool no_backup = false;      ///< do not back up the current state first
  bool from_other_database = false;  ///< allow a file whose sidecar names another database
  bool reset_shared = false;         ///< allow resetting the other services on the database
};

/// A service whose history a restore resets: every service on the database.
struct ServiceReset {
  std::string service;
  std::optional<Version> now;     ///< its applied head now
  bool known = false;             ///< the backup recorded this service's head
  std::optional<Version> backup;  ///< its head in the backup (when known)
  std::vector<Version> lost;      ///< applied now, above the backup's head
};

/// What restore will do, shown before the confirmation.
struct RestorePlan {
  std::string service;
  std::string database;  ///< redacted URL
  std::filesystem::path file;
  std::string source;    ///< the redacted URL the backup was taken from; empty: not recorded
  bool safety_backup = true;
  std::vector<ServiceReset> resets;  ///< the service itself first, then the others sharing its database
};

/// "beta (at 0005 now, 0003 in the backup: loses 0004 .. 0005)".
std::string describe(const ServiceReset& reset);

/// What restore did.
struct RestoreReport {
  RestorePlan plan;
  bool declined = false;
  std::optional<std::filesystem::path> safety_backup;  ///< the current state, backed up first
};

/// Puts the service's database back to a backup: audited start, the plan shown, a
/// confirmation, then under the lock a backup of the current state (unless no_backup),
/// the restore (audited `restore`) and retention. Throws UsageError for a missing or
/// empty file, a file taken from another database (unless from_other_database), a
/// database shared with other services (unless reset_shared: the message names each
/// and what it loses); LockHeld, BackupFailed.
RestoreReport restore(Operation& operation, const RestoreRequest& request,
                      const std::function<void(const RestorePlan&)>& show);

}  // namespace migrate::orchestrate
