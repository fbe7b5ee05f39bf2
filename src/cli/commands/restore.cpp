// `migrate restore <service> [FILE]`: put a database back to a backup (newest by default).
// Parses the options, calls orchestrate::restore, renders the outcome.
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/backups.hpp"

namespace migrate::cli {

namespace {

class RestoreCommand final : public Command {
 public:
  explicit RestoreCommand(CLI::App& app) {
    app.add_option("service", m_request.service, "The service whose database to restore")->required();
    app.add_option("file", m_file, "The backup file (default: the service's newest)");
    app.add_flag("--no-backup", m_request.no_backup, "Do not back up the current state before restoring");
    app.add_flag("--from-other-database", m_request.from_other_database,
                 "Restore a file taken from another database (its sidecar names that database)");
    app.add_flag("--reset-shared", m_request.reset_shared,
                 "Restore a database that other services share too, resetting their history as well");
  }

  int run(const GlobalOptions& options, Io& io) override {
    m_request.file = m_file;
    const auto operation = open_operation(options, io, "restore");
    const orchestrate::RestoreReport report =
        orchestrate::restore(*operation, m_request, [&](const orchestrate::RestorePlan& plan) {
          std::ostream& out = io.output.plan();
          out << "restore " << plan.service << " (" << plan.database << ") from " << plan.file.string() << "\n";
          if (!plan.source.empty() && plan.source != plan.database) out << "taken from " << plan.source << "\n";
          for (const orchestrate::ServiceReset& reset : plan.resets) out << "resets " << describe(reset) << "\n";
          out << "this replaces the database's schema and data, and its migration history, with the backup's"
              << (plan.safety_backup ? "; the current state is backed up first" : "") << "\n";
        });
    const Json file = report.plan.file.string();
    if (report.declined) {
      io.output.always() << "Cancelled; nothing was restored.\n";
      return io.output.document(false, static_cast<int>(ExitCode::usage),
                                "declined at the prompt: nothing was restored",
                                {{"declined", true}, {"service", report.plan.service}, {"file", file}});
    }
    io.output.text() << "restored " << report.plan.service << " from " << report.plan.file.string() << "\n";
    Json resets = Json::array();
    for (const orchestrate::ServiceReset& reset : report.plan.resets) {
      Json lost = Json::array();
      for (Version version : reset.lost) lost.push_back(format_version(version));
      resets.push_back({{"service", reset.service},
                        {"now", version_json(reset.now)},
                        {"in_backup", reset.known ? version_json(reset.backup) : Json(nullptr)},
                        {"in_backup_known", reset.known},
                        {"lost", lost}});
    }
    return io.output.success({{"service", report.plan.service},
                              {"file", file},
                              {"resets", resets},
                              {"safety_backup", report.safety_backup ? Json(report.safety_backup->string())
                                                                     : Json(nullptr)}});
  }

 private:
  orchestrate::RestoreRequest m_request;
  std::string m_file;
};

}  // namespace

Registered add_restore_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("restore", "Restore a service's database from a backup (asks first)");
  return {sub, std::make_unique<RestoreCommand>(*sub)};
}

}  // namespace migrate::cli
