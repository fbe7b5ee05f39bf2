// `migrate repair <service>`: make the history agree with the files after a fix by hand.
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/session.hpp"

namespace migrate::cli {

namespace {

class RepairCommand final : public Command {
 public:
  explicit RepairCommand(CLI::App& app) {
    app.add_option("service", m_service, "The service whose history to repair")->required();
  }

  int run(const GlobalOptions& options, Io& io) override {
    Session session(options, io, "repair");
    const config::ServiceConfig& service = *session.select(m_service).front();
    return session.run([&] {
      const run::RepairResult result = run::run_repair(session.project().driver(service),
                                                       session.project().revisions(service),
                                                       session.settings(), session.observer());
      for (const run::RepairResult::Change& change : result.changes) {
        audit::AuditEvent event;
        event.event = "repair";
        event.service = service.name;
        event.version = change.version;
        event.detail = describe(change);
        session.record(event);
      }
      report(options, io, service.name, result);
      return 0;
    });
  }

 private:
  static std::string describe(const run::RepairResult::Change& change) {
    if (change.was_dirty && change.rerecorded) return "dirty flag cleared, checksum re-recorded";
    return change.was_dirty ? "dirty flag cleared" : "checksum re-recorded";
  }

  static void report(const GlobalOptions& options, Io& io, const std::string& service,
                     const run::RepairResult& result) {
    if (options.json) {
      nlohmann::ordered_json changes = nlohmann::ordered_json::array();
      for (const auto& change : result.changes) {
        changes.push_back({{"version", format_version(change.version)},
                           {"dirty_cleared", change.was_dirty},
                           {"checksum_rerecorded", change.rerecorded}});
      }
      nlohmann::ordered_json missing = nlohmann::ordered_json::array();
      for (Version version : result.missing) missing.push_back(format_version(version));
      io.out << nlohmann::ordered_json{{"service", service}, {"repaired", changes}, {"missing_files", missing}}.dump(2)
             << "\n";
      return;
    }
    if (options.quiet) return;
    if (result.changes.empty()) io.out << service << ": history already matches the files; nothing to repair\n";
    for (const auto& change : result.changes) {
      io.out << service << " " << format_version(change.version) << ": " << describe(change) << "\n";
    }
    for (Version version : result.missing) {
      io.out << service << " " << format_version(version)
             << ": recorded but its file is gone; left as is (restore the file, or `migrate stamp` below it)\n";
    }
  }

  std::string m_service;
};

}  // namespace

Registered add_repair_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "repair", "Re-record checksums of applied revisions and clear a dirty flag (no SQL is run)");
  return {sub, std::make_unique<RepairCommand>(*sub)};
}

}  // namespace migrate::cli
