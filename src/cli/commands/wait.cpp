// `migrate wait [service] [--timeout 60s]`: block until every database answers.
#include <spdlog/spdlog.h>

#include <chrono>
#include <ostream>
#include <thread>

#include "cli/command.hpp"
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
    const auto deadline = std::chrono::steady_clock::now() + *timeout;
    const config::Manifest manifest = config::load_manifest(options.config);
    const config::Environment env = config::Environment::from_process(manifest.dir / ".env");
    const std::vector<const config::ServiceConfig*> services = manifest.select(m_service);
    Json answered = Json::object();
    for (const config::ServiceConfig* service : services) {
      const config::DatabaseUrl url = config::resolve_database_url(manifest, *service, env, options.database_url);
      wait_for(url, deadline);
      io.output.text() << service->name << ": " << url.redacted << " answers\n";
      answered[service->name] = {{"database", url.redacted}, {"answers", true}};
    }
    return io.output.success({{"services", answered}});
  }

 private:
  static void wait_for(const config::DatabaseUrl& url, std::chrono::steady_clock::time_point deadline) {
    bool reported = false;
    for (;;) {
      try {
        db::open_driver(url, db::OpenMode::read_only)->read_history("");
        return;
      } catch (const DatabaseUnreachable& e) {
        if (std::chrono::steady_clock::now() >= deadline) throw;
        if (!reported) {
          spdlog::info("waiting for {}: {}", url.redacted, e.what());
          reported = true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  std::string m_service;
  std::string m_timeout = "60s";
};

}  // namespace

Registered add_wait_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("wait", "Wait until the services' databases answer");
  return {sub, std::make_unique<WaitCommand>(*sub)};
}

}  // namespace migrate::cli
