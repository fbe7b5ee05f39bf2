// `migrate current [service]`: the applied head version of each service.
#include <ostream>

#include "cli/command.hpp"

namespace migrate::cli {

namespace {

class CurrentCommand final : public Command {
 public:
  explicit CurrentCommand(CLI::App& app) { app.add_option("service", m_service, "Only this service"); }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    // Each service stands at the top level beside "success" (the first shape), and also
    // under "services".
    Json document = Json::object();
    Json services = Json::object();
    for (const config::ServiceConfig* service : project.select(m_service)) {
      const auto history = project.driver(*service).history().read(service->name);
      const std::optional<Version> head =
          history.empty() ? std::nullopt : std::optional<Version>(history.back().version);
      io.output.always() << service->name << " " << (head ? format_version(*head) : "base") << "\n";
      document[service->name] = version_json(head);
      services[service->name] = version_json(head);
    }
    document["services"] = std::move(services);
    return io.output.success(document);
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
