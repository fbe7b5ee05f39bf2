// `migrate current [service]`: the applied head version of each service.
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"

namespace migrate::cli {

namespace {

class CurrentCommand final : public Command {
 public:
  explicit CurrentCommand(CLI::App& app) { app.add_option("service", m_service, "Only this service"); }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    nlohmann::ordered_json document = nlohmann::ordered_json::object();
    for (const config::ServiceConfig* service : project.select(m_service)) {
      const auto history = project.driver(*service).read_history(service->name);
      const std::string head = history.empty() ? "base" : format_version(history.back().version);
      if (options.json) document[service->name] = history.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(head);
      else io.out << service->name << " " << head << "\n";
    }
    if (options.json) io.out << document.dump(2) << "\n";
    return 0;
  }

 private:
  std::string m_service;
};

}  // namespace

Registered add_current_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("current", "Print the applied head version ('base' when none)");
  return {sub, std::make_unique<CurrentCommand>(*sub)};
}

}  // namespace migrate::cli
