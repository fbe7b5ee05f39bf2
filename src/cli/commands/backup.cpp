// `migrate backup [service]` takes backups now; `migrate backups [service]` lists them.
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "cli/command.hpp"
#include "cli/session.hpp"

namespace migrate::cli {

namespace {

class BackupCommand final : public Command {
 public:
  explicit BackupCommand(CLI::App& app) {
    app.add_option("service", m_service, "Only this service (default: all)");
    app.add_option("--backup-format", m_format, "PostgreSQL backup format: plain (default) or custom");
  }

  int run(const GlobalOptions& options, Io& io) override {
    const auto backups = backup_options(false, m_format);
    Session session(options, io, "backup");
    const auto services = session.select(m_service);
    return session.run([&] {
      orchestrate::RunBackups run_backups(session.project(), session.audit(), backups);
      nlohmann::ordered_json files = nlohmann::ordered_json::object();
      std::set<std::string> databases;
      for (const config::ServiceConfig* service : services) {
        // One backup per database, as in a run.
        if (!databases.insert(session.project().url(*service).key()).second) continue;
        const auto file = run_backups.take(*service);
        files[service->name] = file.string();
        if (!options.json && !options.quiet) io.out << service->name << ": " << file.string() << "\n";
      }
      if (options.json) io.out << nlohmann::ordered_json{{"success", true}, {"backups", files}}.dump(2) << "\n";
      return 0;
    });
  }

 private:
  std::string m_service;
  std::string m_format = "plain";
};

class BackupsCommand final : public Command {
 public:
  explicit BackupsCommand(CLI::App& app) { app.add_option("service", m_service, "Only this service"); }

  int run(const GlobalOptions& options, Io& io) override {
    const config::Manifest manifest = config::load_manifest(options.config);
    const backup::BackupStore store(manifest.defaults.backup_dir);
    const std::vector<const config::ServiceConfig*> services = manifest.select(m_service);
    nlohmann::ordered_json document = nlohmann::ordered_json::object();
    if (!options.json) io.out << std::left << std::setw(16) << "SERVICE" << std::setw(18) << "TAKEN (UTC)"
                              << std::right << std::setw(12) << "BYTES" << "  FILE\n";
    for (const config::ServiceConfig* service : services) {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const backup::BackupFile& file : store.list(service->name)) {
        if (options.json) {
          list.push_back({{"file", file.path.string()}, {"taken_at", file.timestamp}, {"bytes", file.size}});
        } else {
          io.out << std::left << std::setw(16) << service->name << std::setw(18) << file.timestamp << std::right
                 << std::setw(12) << file.size << "  " << file.path.string() << "\n";
        }
      }
      if (options.json) document[service->name] = std::move(list);
    }
    if (options.json) io.out << nlohmann::ordered_json{{"success", true}, {"backups", document}}.dump(2) << "\n";
    return 0;
  }

 private:
  std::string m_service;
};

}  // namespace

Registered add_backup_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("backup", "Back up the services' databases now");
  return {sub, std::make_unique<BackupCommand>(*sub)};
}

Registered add_backups_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("backups", "List backups with size and time, newest first");
  return {sub, std::make_unique<BackupsCommand>(*sub)};
}

}  // namespace migrate::cli
