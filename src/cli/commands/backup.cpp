// `migrate backup [service]` takes backups now; `migrate backups [service]` lists them.
// Each parses its options, calls orchestrate/backups.hpp, renders the files.
#include <iomanip>
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/backups.hpp"

namespace migrate::cli {

namespace {

class BackupCommand final : public Command {
 public:
  explicit BackupCommand(CLI::App& app) {
    app.add_option("service", m_service, "Only this service (default: all)");
    app.add_option("--backup-format", m_format, "PostgreSQL backup format: plain (default) or custom");
  }

  int run(const GlobalOptions& options, Io& io) override {
    const auto format = backup_options(false, m_format).format;
    const auto operation = open_operation(options, io, "backup");
    Json files = Json::object();
    for (const orchestrate::TakenBackup& taken : orchestrate::backup_now(*operation, m_service, format)) {
      io.output.text() << taken.service << ": " << taken.file.string() << "\n";
      files[taken.service] = taken.file.string();
    }
    return io.output.success({{"backups", files}});
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
    std::ostream& out = io.output.always();
    out << std::left << std::setw(16) << "SERVICE" << std::setw(18) << "TAKEN (UTC)" << std::right << std::setw(12)
        << "BYTES" << "  FILE\n";
    Json document = Json::object();
    for (const orchestrate::ServiceBackups& service : orchestrate::list_backups(manifest, m_service)) {
      Json list = Json::array();
      for (const backup::BackupFile& file : service.files) {
        out << std::left << std::setw(16) << service.service << std::setw(18) << file.timestamp << std::right
            << std::setw(12) << file.size << "  " << file.path.string() << "\n";
        list.push_back({{"file", file.path.string()}, {"taken_at", file.timestamp}, {"bytes", file.size}});
      }
      document[service.service] = std::move(list);
    }
    return io.output.success({{"backups", document}});
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
