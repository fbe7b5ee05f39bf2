// `migrate stamp <service> <V|head|base>`: set the history without running SQL.
#include <ostream>

#include "cli/command.hpp"
#include "cli/session.hpp"
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
    Session session(options, io, "stamp");
    const config::ServiceConfig& service = *session.select(m_service).front();
    return session.run([&] {
      const run::ServiceRevisions& revisions = session.project().revisions(service);
      Version target = 0;
      if (m_version == "head") {
        if (!revisions.revisions.empty()) target = revisions.revisions.back().version;
      } else if (m_version != "base") {
        target = parse_version_argument(m_version, "version");
      }
      const run::StampResult result = run::run_stamp(session.project().driver(service), revisions, target,
                                                     session.settings(), session.observer());
      audit::AuditEvent event;
      event.event = "stamp";
      event.service = service.name;
      event.version = target;
      event.detail = std::to_string(result.recorded.size()) + " marked applied, " +
                     std::to_string(result.removed.size()) + " marked unapplied";
      session.record(event);
      if (!options.quiet) {
        io.out << service.name << " stamped at " << (target == 0 ? "base" : format_version(target)) << ": "
               << event.detail << " (no SQL was run)\n";
      }
      return 0;
    });
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
