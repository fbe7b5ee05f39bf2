// `migrate restore <service> [FILE]`: put a database back to a backup (newest by default).
#include <ostream>

#include "cli/command.hpp"
#include "cli/session.hpp"
#include "migrate/backup/backup.hpp"
#include "migrate/run/lock_guard.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

class RestoreCommand final : public Command {
 public:
  explicit RestoreCommand(CLI::App& app) {
    app.add_option("service", m_service, "The service whose database to restore")->required();
    app.add_option("file", m_file, "The backup file (default: the service's newest)");
    app.add_flag("--no-backup", m_no_backup, "Do not back up the current state before restoring");
  }

  int run(const GlobalOptions& options, Io& io) override {
    Session session(options, io, "restore");
    const config::ServiceConfig& service = *session.select(m_service).front();
    return session.run([&] {
      orchestrate::Project& project = session.project();
      const config::DatabaseUrl& url = project.url(service);
      const std::filesystem::path file = choose_file(project.manifest(), service);
      if (!options.json && !options.quiet) {
        io.out << "restore " << service.name << " (" << url.redacted << ") from " << file.string()
               << "\nthis replaces the database's schema and data, and its migration history, with the backup's"
               << (m_no_backup ? "" : "; the current state is backed up first") << "\n";
      }
      if (!session.confirm("restore " + service.name + " from " + file.string(), service.name)) {
        io.out << "Cancelled; nothing was restored.\n";
        return 0;
      }
      db::Driver& driver = project.driver(service);
      run::LockGuard lock(driver, session.settings().lock, service.name, session.observer());
      // Retention waits until the restore is done: the file being restored may be the
      // oldest one it would remove.
      orchestrate::RunBackups::Options safety_options = backup_options(m_no_backup, "plain");
      safety_options.prune = false;
      orchestrate::RunBackups safety(project, session.audit(), safety_options);
      safety.before_changes(service);
      audit::AuditEvent event;
      event.event = "restore";
      event.service = service.name;
      event.detail = file.string();
      const auto started = std::chrono::steady_clock::now();
      try {
        backup::restore_backup(url, file);
      } catch (const Error& e) {
        event.ok = false;
        event.error = e.what();
        session.record(event);
        throw;
      }
      event.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
      session.record(event);
      if (!safety.taken().empty()) {
        backup::BackupStore(project.manifest().defaults.backup_dir)
            .prune(service.name, project.manifest().defaults.keep_backups, safety.taken().back());
      }
      if (!options.quiet) io.out << "restored " << service.name << " from " << file.string() << "\n";
      return 0;
    });
  }

 private:
  std::filesystem::path choose_file(const config::Manifest& manifest, const config::ServiceConfig& service) const {
    if (!m_file.empty()) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(m_file, ec)) throw UsageError("backup file " + m_file + " does not exist");
      return std::filesystem::absolute(m_file);
    }
    const auto files = backup::BackupStore(manifest.defaults.backup_dir).list(service.name);
    if (files.empty()) {
      throw UsageError("no backups of " + service.name + " in " + manifest.defaults.backup_dir.string());
    }
    return files.front().path;
  }

  std::string m_service;
  std::string m_file;
  bool m_no_backup = false;
};

}  // namespace

Registered add_restore_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("restore", "Restore a service's database from a backup (asks first)");
  return {sub, std::make_unique<RestoreCommand>(*sub)};
}

}  // namespace migrate::cli
