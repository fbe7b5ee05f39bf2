// `migrate verify [service]`: compare recorded checksums with the files; exit 4 on drift.
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "migrate/util/error.hpp"
#include "status/status_json.hpp"

namespace migrate::cli {

namespace {

class VerifyCommand final : public Command {
 public:
  explicit VerifyCommand(CLI::App& app) { app.add_option("service", m_service, "Only this service"); }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const auto services = project.select(m_service);
    project.load_all(services);
    bool clean = true;
    nlohmann::ordered_json by_name = nlohmann::ordered_json::object();
    for (const config::ServiceConfig* service : services) {
      const auto history = project.driver(*service).read_history(service->name);
      const auto drift = plan::check_drift(project.revisions(*service).revisions, history);
      clean = clean && drift.empty();
      if (options.json) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const plan::Drift& entry : drift) list.push_back(status::drift_object(entry));
        by_name[service->name] = {{"ok", drift.empty()}, {"checked", history.size()}, {"drift", list}};
      } else if (drift.empty()) {
        io.out << service->name << ": ok (" << history.size() << " applied revision(s) match their files)\n";
      } else {
        for (const plan::Drift& entry : drift) io.out << service->name << ": drift: " << entry.describe() << "\n";
      }
    }
    if (options.json) io.out << nlohmann::ordered_json{{"success", clean}, {"services", by_name}}.dump(2) << "\n";
    return clean ? 0 : static_cast<int>(ExitCode::blocked);
  }

 private:
  std::string m_service;
};

}  // namespace

Registered add_verify_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("verify", "Check applied revisions against their files (exit 4 on drift)");
  return {sub, std::make_unique<VerifyCommand>(*sub)};
}

}  // namespace migrate::cli
