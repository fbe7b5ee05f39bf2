// Backups before changes, with retention and audit lines.
#include "migrate/orchestrate/run_backups.hpp"

#include <spdlog/spdlog.h>

#include "migrate/config/database_identity.hpp"
#include "migrate/util/error.hpp"

namespace migrate::orchestrate {

RunBackups::RunBackups(Project& project, audit::AuditLog& log, Options options,
                       std::function<std::chrono::system_clock::time_point()> clock)
    : m_project(project), m_log(log), m_options(options), m_clock(std::move(clock)) {}

void RunBackups::before_changes(const config::ServiceConfig& service) {
  const config::DatabaseUrl& url = m_project.url(service);
  if (!m_done.insert(config::database_identity(url)).second) return;
  if (m_options.skip) {
    audit::AuditEvent event;
    event.event = "backup";
    event.service = service.name;
    event.detail = "skipped: --no-backup";
    m_log.append(event);
    spdlog::warn("no backup of {} (--no-backup)", url.redacted);
    return;
  }
  take(service);
}

std::filesystem::path RunBackups::take(const config::ServiceConfig& service) {
  const config::DatabaseUrl& url = m_project.url(service);
  const backup::BackupStore store(m_project.manifest().defaults.backup_dir);
  audit::AuditEvent event;
  event.event = "backup";
  event.service = service.name;
  // Connecting is not part of the backup: a database that cannot be reached stays exit 5.
  const int server_version = m_project.driver(service).server_version();
  const backup::BackupInfo info = m_project.backup_info(service);
  const auto started = std::chrono::steady_clock::now();
  std::filesystem::path file;
  try {
    file = backup::take_backup(url, server_version, service.name, store, m_options.format, m_clock());
    try {
      backup::write_info(file, info);
    } catch (const Error&) {
      // A backup whose source is not recorded would look like one of another database.
      std::error_code ec;
      std::filesystem::remove(file, ec);
      throw;
    }
  } catch (const Error& e) {
    event.ok = false;
    event.error = e.what();
    m_log.append(event);
    if (dynamic_cast<const Interrupted*>(&e) != nullptr) throw;  // exit 130/143, not a failure
    throw BackupFailed("backup of " + url.redacted + " failed, so nothing was changed: " + e.what());
  }
  event.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  event.detail = file.string();
  m_log.append(event);
  m_taken.push_back(file);
  spdlog::info("backup of {} written to {}", url.redacted, file.string());
  if (m_options.prune) {
    for (const auto& removed :
         store.prune(service.name, m_project.manifest().defaults.keep_backups, file, info.database)) {
      spdlog::debug("removed old backup {}", removed.string());
    }
  }
  return file;
}

}  // namespace migrate::orchestrate
