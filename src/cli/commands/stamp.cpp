// `migrate stamp <service> <V|head|base>`: set the history without running SQL.
#include <ostream>

#include "cli/command.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

class StampCommand final : public Command {
 public:
  explicit StampCommand(CLI::App& app) {
    app.add_option("service", m_service, "The service to stamp")->required();
    app.add_option("version", m_version, "A version, 'head' (all) or 'base' (none)")->required();
  }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_write);
    const config::ServiceConfig& service = project.manifest().service(m_service);
    const run::ServiceRevisions& revisions = project.revisions(service);
    Version target = 0;
    if (m_version == "head") {
      if (!revisions.revisions.empty()) target = revisions.revisions.back().version;
    } else if (m_version != "base") {
      target = parse_version_argument(m_version, "version");
    }
    const auto observer = make_console_observer(options, io);
    const run::StampResult result = run::run_stamp(project.driver(service), revisions, target,
                                                   run_settings(options, project.manifest()), *observer);
    if (!options.quiet) {
      io.out << service.name << " stamped at " << (target == 0 ? "base" : format_version(target)) << ": "
             << result.recorded.size() << " marked applied, " << result.removed.size()
             << " marked unapplied (no SQL was run)\n";
    }
    return 0;
  }

 private:
  std::string m_service;
  std::string m_version;
};

}  // namespace

Registered add_stamp_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("stamp", "Mark revisions applied/unapplied without running them");
  return {sub, std::make_unique<StampCommand>(*sub)};
}

}  // namespace migrate::cli
