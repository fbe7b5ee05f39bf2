// The backup policy of a run: one backup per database, before its first change.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "migrate/audit/audit_log.hpp"
#include "migrate/backup/backup.hpp"
#include "migrate/orchestrate/project.hpp"

namespace migrate::orchestrate {

/// Takes backups for a run. A database shared by several services is backed up once,
/// named after the first service that changes it. Every backup (or skip) is audited.
class RunBackups {
 public:
  struct Options {
    bool skip = false;  ///< --no-backup
    backup::BackupFormat format = backup::BackupFormat::plain;
    bool prune = true;  ///< apply keep_backups right after each backup
  };

  RunBackups(Project& project, audit::AuditLog& log, Options options,
             std::function<std::chrono::system_clock::time_point()> clock = std::chrono::system_clock::now);

  /// Backs up the service's database unless it was already backed up in this run, then
  /// applies retention. Throws BackupFailed (after auditing it): nothing was changed.
  void before_changes(const config::ServiceConfig& service);

  /// Backs up the service's database now, whatever was done before (migrate backup).
  std::filesystem::path take(const config::ServiceConfig& service);

  /// Files written in this run.
  const std::vector<std::filesystem::path>& taken() const { return m_taken; }

 private:
  Project& m_project;
  audit::AuditLog& m_log;
  Options m_options;
  std::function<std::chrono::system_clock::time_point()> m_clock;
  std::set<std::string> m_done;  ///< config::database_identity of the databases handled in this run
  std::vector<std::filesystem::path> m_taken;
};

}  // namespace migrate::orchestrate
