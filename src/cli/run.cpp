// Argument parsing, logging set-up and the single catch that maps errors to exit codes.
#include "migrate/cli/run.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/command.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/system.hpp"

namespace migrate::cli {

namespace {

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--config", options.config, "Path of the manifest (default ./migrate.toml)");
  app.add_option("--database-url", options.database_url,
                 "Database URL for every service (overrides DATABASE_URL and the manifest)");
  app.add_option("--lock-wait", options.lock_wait,
                 "How long to wait for another runner's lock, e.g. 60s (default), 0s");
  app.add_flag("--json", options.json, "Machine-readable output on stdout");
  app.add_flag("-y,--yes", options.yes, "Answer yes to confirmations");
  app.add_flag("-v,--verbose", options.verbose, "Debug logging on stderr");
  app.add_flag("-q,--quiet", options.quiet, "Only warnings and errors");
  app.add_flag("--no-color", options.no_color, "No colours in log output");
}

void configure_logging(const GlobalOptions& options) {
  const auto mode = options.no_color ? spdlog::color_mode::never : spdlog::color_mode::automatic;
  auto logger = spdlog::stderr_color_mt("migrate", mode);
  logger->set_pattern("%^%l%$: %v");
  logger->set_level(options.verbose ? spdlog::level::debug
                    : options.quiet ? spdlog::level::warn
                                    : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

int report(const GlobalOptions& options, const std::string& message, ExitCode code) {
  spdlog::error("{}", message);
  if (options.json) {
    // The message may quote a file name or a database error in another encoding: replace
    // invalid UTF-8 rather than throw from here, which would abort the process.
    std::cout << nlohmann::ordered_json{{"success", false}, {"error", message}, {"exit_code", static_cast<int>(code)}}
                     .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
              << "\n";
  }
  return static_cast<int>(code);
}

}  // namespace

int run(int argc, char** argv) {
  GlobalOptions options;
  CLI::App app{"migrate: versioned schema migrations for PostgreSQL and SQLite", "migrate"};
  app.set_version_flag("--version", std::string("migrate ") + MIGRATE_VERSION);
  app.require_subcommand(1);
  add_global_options(app, options);

  std::vector<Registered> commands;
  commands.push_back(add_status_command(app));
  commands.push_back(add_up_command(app));
  commands.push_back(add_down_command(app));
  commands.push_back(add_history_command(app));
  commands.push_back(add_current_command(app));
  commands.push_back(add_stamp_command(app));
  commands.push_back(add_new_command(app));
  commands.push_back(add_verify_command(app));
  commands.push_back(add_backup_command(app));
  commands.push_back(add_backups_command(app));
  commands.push_back(add_restore_command(app));
  commands.push_back(add_wait_command(app));
  commands.push_back(add_import_kv_command(app));
  commands.push_back(add_repair_command(app));
  commands.push_back(add_lock_command(app));
  for (Registered& registered : commands) registered.app->fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, std::cout, std::cerr);
    return code == 0 ? 0 : static_cast<int>(ExitCode::usage);
  }

  for (int i = 0; i < argc; ++i) options.command_line += (i == 0 ? "" : " ") + std::string(argv[i]);
  configure_logging(options);
  util::install_interrupt_handlers();
  Io io{std::cout, std::cin, util::stdin_is_terminal()};
  try {
    for (Registered& registered : commands) {
      if (registered.app->parsed()) return registered.command->run(options, io);
    }
    return static_cast<int>(ExitCode::usage);
  } catch (const Error& e) {
    return report(options, e.what(), e.code());
  } catch (const std::exception& e) {
    return report(options, std::string("internal error: ") + e.what(), ExitCode::failed);
  }
}

}  // namespace migrate::cli
