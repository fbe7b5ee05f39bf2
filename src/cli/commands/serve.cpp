// `migrate serve [--listen 127.0.0.1:8080] [--token-env NAME] [--refresh 30s] [--cache 2s] [--read-timeout 5s]`:
// the read-only status page and JSON API. Parses the options, calls serve::serve, which
// runs until SIGINT/SIGTERM.
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "cli/command.hpp"
#include "migrate/serve/server.hpp"
#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

std::chrono::milliseconds duration_option(const std::string& name, const std::string& text) {
  const auto value = util::parse_duration(text);
  if (!value || value->count() <= 0) throw UsageError(name + " must be a positive duration such as 30s or 2min");
  return *value;
}

class ServeCommand final : public Command {
 public:
  explicit ServeCommand(CLI::App& app) {
    app.add_option("--listen", m_listen, "host:port to listen on (default 127.0.0.1:8080; port 0: any free port)");
    app.add_option("--token-env", m_token_env,
                   "Environment variable holding a bearer token that every endpoint but /healthz requires");
    app.add_option("--refresh", m_refresh, "How often the page refreshes itself (default 30s)");
    app.add_option("--cache", m_cache, "Read each database at most once per this window (default 2s)");
    app.add_option("--read-timeout", m_read_timeout,
                   "A database whose status read takes longer is reported as an error meanwhile (default 5s)");
  }

  int run(const GlobalOptions& options, Io& io) override {
    serve::ServeOptions serve_options;
    serve_options.config = options.config;
    serve_options.database_url = options.database_url;
    serve_options.listen = m_listen;
    serve_options.refresh = duration_option("--refresh", m_refresh);
    serve_options.cache = duration_option("--cache", m_cache);
    serve_options.read_timeout = duration_option("--read-timeout", m_read_timeout);
    if (!m_token_env.empty()) {
      const char* token = std::getenv(m_token_env.c_str());
      if (token == nullptr || *token == '\0') {
        throw UsageError("--token-env " + m_token_env + ": the variable is not set or empty; export the token in it");
      }
      serve_options.token = token;
    }
    serve::serve(serve_options, [&](const std::string& url) {
      spdlog::info("serving the migration status on {}", url);
      io.output.text() << "listening on " << url << std::endl;
    });
    return 0;
  }

 private:
  std::string m_listen = "127.0.0.1:8080";
  std::string m_token_env;
  std::string m_refresh = "30s";
  std::string m_cache = "2s";
  std::string m_read_timeout = "5s";
};

}  // namespace

Registered add_serve_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("serve", "Serve a read-only status page and JSON API (/api/migrations/status)");
  return {sub, std::make_unique<ServeCommand>(*sub)};
}

}  // namespace migrate::cli
