// backup, backups and restore: the backup folder and the audit log around backup/.
#include "migrate/orchestrate/backups.hpp"

#include <chrono>
#include <set>

#include "migrate/backup/backup.hpp"
#include "migrate/config/database_identity.hpp"
#include "migrate/run/lock_guard.hpp"
#include "migrate/util/error.hpp"

namespace migrate::orchestrate {

std::vector<TakenBackup> backup_now(Operation& operation, const std::string& name, backup::BackupFormat format) {
  const auto services = operation.select(name);
  return operation.audited([&] {
    RunBackups::Options options;
    options.format = format;
    RunBackups run_backups(operation.project(), operation.audit(), options);
    std::vector<TakenBackup> taken;
    std::set<std::string> databases;
    for (const config::ServiceConfig* service : services) {
      const config::DatabaseUrl& url = operation.project().url(*service);
      // One backup per database, as in a run.
      if (!databases.insert(config::database_identity(url)).second) continue;
      taken.push_back({service->name, url.redacted, run_backups.take(*service)});
    }
    return taken;
  });
}

std::vector<ServiceBackups> list_backups(const config::Manifest& manifest, const std::string& name) {
  const backup::BackupStore store(manifest.defaults.backup_dir);
  std::vector<ServiceBackups> result;
  for (const config::ServiceConfig* service : manifest.select(name)) {
    result.push_back({service->name, store.list(service->name)});
  }
  return result;
}

namespace {

std::string version_text(const std::optional<Version>& version) {
  return version ? format_version(*version) : std::string("base");
}

// The file to restore: the one given (refused when its sidecar names another database),
// or the newest backup of this very database.
backup::BackupFile choose_file(const config::Manifest& manifest, const config::ServiceConfig& service,
                               const config::DatabaseUrl& url, const RestoreRequest& request) {
  const std::string identity = config::database_identity(url);
  const backup::BackupStore store(manifest.defaults.backup_dir);
  if (request.file.empty()) {
    const auto files = store.list(service.name, identity);
    if (files.empty()) {
      const std::size_t others = store.list(service.name).size();
      throw UsageError("no backups of " + service.name + "'s database " + url.redacted + " in " +
                       manifest.defaults.backup_dir.string() +
                       (others == 0 ? std::string()
                                    : " (" + std::to_string(others) +
                                          " backup(s) of other databases or of unrecorded origin are there; name one "
                                          "to restore it: migrate restore " +
                                          service.name + " FILE)"));
    }
    return files.front();
  }
  const std::filesystem::path& given = request.file;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(given, ec)) {
    throw UsageError("backup file " + given.string() + " does not exist");
  }
  // Restoring nothing would empty the database.
  if (std::filesystem::file_size(given, ec) == 0 && !ec) {
    throw UsageError("backup file " + given.string() + " is empty (0 bytes): it is not a backup; nothing was restored");
  }
  backup::BackupFile file;
  file.path = std::filesystem::absolute(given);
  file.service = service.name;
  file.info = backup::read_info(file.path);
  if (file.info && file.info->database != identity && !request.from_other_database) {
    throw UsageError("backup file " + given.string() + " was taken from " + file.info->url + ", not from " +
                     service.name + "'s database " + url.redacted +
                     "; nothing was restored (pass --from-other-database to restore it here anyway)");
  }
  return file;
}

// What the restore resets: every service on the database, its head now and in the backup.
std::vector<ServiceReset> plan_resets(Project& project, const config::ServiceConfig& service,
                                      const backup::BackupFile& file) {
  std::vector<const config::ServiceConfig*> sharing = project.sharing_database(service);
  // The service itself first.
  std::stable_partition(sharing.begin(), sharing.end(),
                        [&](const config::ServiceConfig* other) { return other == &service; });
  std::vector<ServiceReset> resets;
  db::Driver& driver = project.driver(service);
  for (const config::ServiceConfig* other : sharing) {
    ServiceReset reset;
    reset.service = other->name;
    const auto history = driver.history().read(other->name);
    if (!history.empty()) reset.now = history.back().version;
    if (file.info && file.info->services.count(other->name) != 0) {
      reset.known = true;
      reset.backup = file.info->services.at(other->name);
    }
    for (const AppliedRevision& row : history) {
      if (reset.known && (!reset.backup || row.version > *reset.backup)) reset.lost.push_back(row.version);
    }
    resets.push_back(std::move(reset));
  }
  return resets;
}

std::string describe_reset(const ServiceReset& reset) {
  std::string text = reset.service + " (at " + version_text(reset.now) + " now";
  if (!reset.known) return text + "; its revision in the backup is not recorded)";
  text += ", " + version_text(reset.backup) + " in the backup";
  if (!reset.lost.empty()) {
    text += ": loses " + format_version(reset.lost.front());
    if (reset.lost.size() > 1) text += " .. " + format_version(reset.lost.back());
  }
  return text + ")";
}

}  // namespace

std::string describe(const ServiceReset& reset) { return describe_reset(reset); }

RestoreReport restore(Operation& operation, const RestoreRequest& request,
                      const std::function<void(const RestorePlan&)>& show) {
  const config::ServiceConfig& service = *operation.select(request.service).front();
  return operation.audited([&] {
    Project& project = operation.project();
    const config::DatabaseUrl& url = project.url(service);
    RestoreReport report;
    const backup::BackupFile file = choose_file(project.manifest(), service, url, request);
    report.plan = {service.name, url.redacted, file.path, file.info ? file.info->url : std::string(),
                   !request.no_backup, plan_resets(project, service, file)};
    if (report.plan.resets.size() > 1 && !request.reset_shared) {
      std::string others;
      for (std::size_t i = 1; i < report.plan.resets.size(); ++i) {
        others += (others.empty() ? "" : ", ") + describe_reset(report.plan.resets[i]);
      }
      throw UsageError("restoring " + service.name + "'s database " + url.redacted +
                       " also resets the other services on it: " + others +
                       "; nothing was restored (pass --reset-shared to restore them all)");
    }
    if (show) show(report.plan);
    if (!operation.confirm("restore " + service.name + " from " + report.plan.file.string(), service.name)) {
      report.declined = true;
      return report;
    }
    db::Driver& driver = project.driver(service);
    run::LockGuard lock(driver, operation.settings().lock, service.name, operation.observer());
    // Retention waits until the restore is done: the file being restored may be the
    // oldest one it would remove.
    RunBackups::Options safety_options;
    safety_options.skip = request.no_backup;
    safety_options.prune = false;
    RunBackups safety(project, operation.audit(), safety_options);
    safety.before_changes(service);
    audit::AuditEvent event;
    event.event = "restore";
    event.service = service.name;
    event.detail = report.plan.file.string();
    const auto started = std::chrono::steady_clock::now();
    try {
      backup::restore_backup(url, report.plan.file);
    } catch (const Error& e) {
      event.ok = false;
      event.error = e.what();
      operation.record(event);
      throw;
    }
    event.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    operation.record(event);
    if (!safety.taken().empty()) {
      report.safety_backup = safety.taken().back();
      backup::BackupStore(project.manifest().defaults.backup_dir)
          .prune(service.name, project.manifest().defaults.keep_backups, safety.taken().back(),
                 config::database_identity(url));
    }
    return report;
  });
}

}  // namespace migrate::orchestrate
