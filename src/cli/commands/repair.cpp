// `migrate repair <service>`: make the history agree with the files after a fix by hand.
// Parses the options, calls orchestrate::repair, renders what changed.
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/history_edit.hpp"

namespace migrate::cli {

namespace {

class RepairCommand final : public Command {
 public:
  explicit RepairCommand(CLI::App& app) {
    app.add_option("service", m_service, "The service whose history to repair")->required();
  }

  int run(const GlobalOptions& options, Io& io) override {
    const auto operation = open_operation(options, io, "repair");
    const orchestrate::RepairReport report = orchestrate::repair(*operation, m_service);
    const std::string& service = report.service;
    std::ostream& out = io.output.text();
    if (report.result.changes.empty()) out << service << ": history already matches the files; nothing to repair\n";
    Json changes = Json::array();
    for (const run::RepairResult::Change& change : report.result.changes) {
      out << service << " " << format_version(change.version) << ": " << orchestrate::describe(change) << "\n";
      changes.push_back({{"version", format_version(change.version)},
                         {"dirty_cleared", change.was_dirty},
                         {"checksum_rerecorded", change.rerecorded}});
    }
    Json missing = Json::array();
    for (Version version : report.result.missing) {
      out << service << " " << format_version(version)
          << ": recorded but its file is gone; left as is (restore the file, or `migrate stamp` below it)\n";
      missing.push_back(format_version(version));
    }
    return io.output.success({{"service", service}, {"repaired", changes}, {"missing_files", missing}});
  }

 private:
  std::string m_service;
};

}  // namespace

Registered add_repair_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "repair", "Re-record checksums of applied revisions and clear a dirty flag (no SQL is run)");
  return {sub, std::make_unique<RepairCommand>(*sub)};
}

}  // namespace migrate::cli
