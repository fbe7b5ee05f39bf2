// Argument parsing, logging set-up and the single catch that maps errors to exit codes.
#include "migrate/cli/run.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <string_view>
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

// Whether --json was given, read from argv: a command line that did not parse still
// gets its one JSON document.
bool json_requested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json") return true;
    if (std::string_view(argv[i]) == "--") break;
  }
  return false;
}

// Alembic's `downgrade -1`: after `down`, "-N" means --step=N (CLI11 would read "-1" as an
// unknown option). Arguments after "--" are left alone.
std::vector<std::string> with_relative_steps(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  bool after_down = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (arg == "--config" || arg == "--database-url" || arg == "--lock-wait") {
      ++i;  // its value
    } else if (!after_down && arg == "down") {
      after_down = true;
    } else if (after_down && arg.size() >= 2 && arg[0] == '-' &&
               arg.find_first_not_of("0123456789", 1) == std::string::npos) {
      args[i] = "--step=" + arg.substr(1);
    } else if (!after_down && arg[0] != '-') {
      break;  // another command
    }
  }
  return args;
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
  commands.push_back(add_heads_command(app));
  commands.push_back(add_adopt_command(app));
  commands.push_back(add_stamp_command(app));
  commands.push_back(add_new_command(app));
  commands.push_back(add_verify_command(app));
  commands.push_back(add_backup_command(app));
  commands.push_back(add_backups_command(app));
  commands.push_back(add_restore_command(app));
  commands.push_back(add_wait_command(app));
  commands.push_back(add_import_kv_command(app));
  commands.push_back(add_import_command(app));
  commands.push_back(add_repair_command(app));
  commands.push_back(add_lock_command(app));
  commands.push_back(add_serve_command(app));
  commands.push_back(add_transfer_command(app));
  for (Registered& registered : commands) registered.app->fallthrough();

  std::vector<std::string> args = with_relative_steps(argc, argv);
  std::vector<char*> pointers;
  for (std::string& arg : args) pointers.push_back(arg.data());
  try {
    app.parse(static_cast<int>(pointers.size()), pointers.data());
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e, std::cout, std::cerr);  // --help, --version
    if (!json_requested(argc, argv)) {
      app.exit(e, std::cout, std::cerr);
      return static_cast<int>(ExitCode::usage);
    }
    Output output(true, false, false, std::cout, std::cerr);
    std::cerr << "error: " << e.what() << "\n";
    return output.document(false, static_cast<int>(ExitCode::usage), e.what(), Json::object());
  }

  for (int i = 0; i < argc; ++i) options.command_line += (i == 0 ? "" : " ") + std::string(argv[i]);
  configure_logging(options);
  util::install_interrupt_handlers();
  const bool interactive = util::stdin_is_terminal();
  Output output(options.json, options.quiet, interactive && !options.yes, std::cout, std::cerr);
  const std::unique_ptr<run::RunObserver> progress = make_console_observer(options, std::cout);
  Io io{output, std::cin, interactive, *progress};
  try {
    for (Registered& registered : commands) {
      if (registered.app->parsed()) return registered.command->run(options, io);
    }
    return static_cast<int>(ExitCode::usage);
  } catch (...) {
    const Failure failure = current_failure();
    if (!output.emitted()) return output.failure(failure);
    spdlog::error("{}", failure.message);
    return static_cast<int>(failure.code);
  }
}

}  // namespace migrate::cli
