// `migrate stamp <service> <V|head|base>`: set the history without running SQL.
// Parses the options, calls orchestrate::stamp, renders what changed.
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/history_edit.hpp"

namespace migrate::cli {

namespace {

class StampCommand final : public Command {
 public:
  explicit StampCommand(CLI::App& app) {
    app.add_option("service", m_request.service, "The service to stamp")->required();
    app.add_option("version", m_request.target, "A version, 'head' (all) or 'base' (none)")->required();
  }

  int run(const GlobalOptions& options, Io& io) override {
    const auto operation = open_operation(options, io, "stamp");
    const orchestrate::StampReport report = orchestrate::stamp(*operation, m_request);
    const std::string target = report.target ? format_version(*report.target) : "base";
    io.output.text() << report.service << " stamped at " << target << ": " << report.changes.recorded.size()
                     << " marked applied, " << report.changes.removed.size()
                     << " marked unapplied (no SQL was run)\n";
    return io.output.success({{"service", report.service},
                              {"target", target},
                              {"recorded", versions_json(report.changes.recorded)},
                              {"removed", versions_json(report.changes.removed)}});
  }

 private:
  orchestrate::StampRequest m_request;
};

}  // namespace

Registered add_stamp_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("stamp", "Mark revisions applied/unapplied without running them");
  return {sub, std::make_unique<StampCommand>(*sub)};
}

}  // namespace migrate::cli
