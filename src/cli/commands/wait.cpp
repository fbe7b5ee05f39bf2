// `migrate wait [service] [--timeout 60s]`: block until every database answers.
// Parses the options, calls orchestrate::wait_for_databases, renders who answered.
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/wait.hpp"
#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

class WaitCommand final : public Command {
 public:
  explicit WaitCommand(CLI::App& app) {
    app.add_option("service", m_service, "Only this service (default: all)");
    app.add_option("--timeout", m_timeout, "How long to wait, e.g. 60s (default), 2min");
  }

  int run(const GlobalOptions& options, Io& io) override {
    const auto timeout = util::parse_duration(m_timeout);
    if (!timeout) throw UsageError("--timeout must be a duration such as 60s or 2min");
    const config::Manifest manifest = config::load_manifest(options.config);
    Json answered = Json::object();
    orchestrate::wait_for_databases(manifest, options.database_url, m_service, *timeout,
                                    [&](const orchestrate::Answered& database) {
                                      io.output.text() << database.service << ": " << database.database
                                                       << " answers\n";
                                      answered[database.service] = {{"database", database.database},
                                                                    {"answers", true}};
                                    });
    return io.output.success({{"services", answered}});
  }

 private:
  std::string m_service;
  std::string m_timeout = "60s";
};

}  // namespace

Registered add_wait_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("wait", "Wait until the services' databases answer");
  return {sub, std::make_unique<WaitCommand>(*sub)};
}

}  // namespace migrate::cli
