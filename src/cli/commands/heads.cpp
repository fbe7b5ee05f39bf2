// `migrate heads [service]`: the newest revision file of each service (Alembic's `heads`),
// read from the folders alone; no database is opened.
#include <ostream>

#include "cli/command.hpp"

namespace migrate::cli {

namespace {

class HeadsCommand final : public Command {
 public:
  explicit HeadsCommand(CLI::App& app) { app.add_option("service", m_service, "Only this service"); }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const auto services = project.select(m_service);
    project.load_all(services);
    Json by_service = Json::object();
    for (const config::ServiceConfig* service : services) {
      const std::vector<Revision>& revisions = project.revisions(*service).revisions;
      if (revisions.empty()) {
        io.output.always() << service->name << " base (no revisions)\n";
        by_service[service->name] = nullptr;
        continue;
      }
      const Revision& head = revisions.back();
      io.output.always() << service->name << " " << head.label() << " (head)\n";
      by_service[service->name] = {{"version", format_version(head.version)},
                                   {"name", head.name},
                                   {"file", head.up.path.string()}};
    }
    return io.output.success({{"services", by_service}});
  }

 private:
  std::string m_service;
};

}  // namespace

Registered add_heads_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("heads", "Print the newest revision of each service (no database needed)");
  return {sub, std::make_unique<HeadsCommand>(*sub)};
}

}  // namespace migrate::cli
