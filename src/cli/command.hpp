// What every subcommand shares: global options, output, the Command interface, and the
// helpers that turn options into calls of the orchestration verbs.
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "cli/output.hpp"
#include "migrate/model/revision.hpp"
#include "migrate/orchestrate/operation.hpp"
#include "migrate/orchestrate/run_backups.hpp"

namespace migrate::cli {

/// Options that stand before or after any subcommand.
struct GlobalOptions {
  std::string config = "migrate.toml";
  std::optional<std::string> database_url;
  std::string lock_wait = "60s";
  bool json = false;
  bool yes = false;
  bool verbose = false;
  bool quiet = false;
  bool no_color = false;
  std::string command_line;  ///< argv joined, for the audit log (passwords masked there)
};

/// Where a command writes results and reads confirmations.
struct Io {
  Output& output;
  std::istream& in;
  bool interactive;             ///< a person is at the terminal to answer prompts
  run::RunObserver& progress;   ///< progress lines (nothing under --json or --quiet)
};

/// One subcommand: registers its options on construction, runs after parsing:
/// parse the options, call a verb of orchestrate/, render its result.
class Command {
 public:
  virtual ~Command() = default;
  /// Runs the command; returns the exit code or throws a migrate Error.
  virtual int run(const GlobalOptions& options, Io& io) = 0;
};

/// A registered subcommand and the object that runs it.
struct Registered {
  CLI::App* app;
  std::unique_ptr<Command> command;
};

Registered add_status_command(CLI::App& app);
Registered add_up_command(CLI::App& app);
Registered add_down_command(CLI::App& app);
Registered add_history_command(CLI::App& app);
Registered add_current_command(CLI::App& app);
Registered add_heads_command(CLI::App& app);
Registered add_adopt_command(CLI::App& app);
Registered add_stamp_command(CLI::App& app);
Registered add_new_command(CLI::App& app);
Registered add_verify_command(CLI::App& app);
Registered add_backup_command(CLI::App& app);
Registered add_backups_command(CLI::App& app);
Registered add_restore_command(CLI::App& app);
Registered add_wait_command(CLI::App& app);
Registered add_import_kv_command(CLI::App& app);
Registered add_import_command(CLI::App& app);
Registered add_repair_command(CLI::App& app);
Registered add_lock_command(CLI::App& app);
Registered add_serve_command(CLI::App& app);
Registered add_transfer_command(CLI::App& app);

// Helpers shared by the commands (command_support.cpp).

/// Opens the project named by --config with --database-url, for reading commands.
orchestrate::Project open_project(const GlobalOptions& options, db::OpenMode mode);

/// The audited operation of a changing command, wired to the console's progress and
/// prompts. Throws ConfigError for a bad manifest, UsageError for a bad --lock-wait.
std::unique_ptr<orchestrate::Operation> open_operation(const GlobalOptions& options, Io& io,
                                                       const std::string& command);

/// Adds --no-backup and --backup-format to a changing subcommand.
void add_backup_options(CLI::App& app, bool& no_backup, std::string& format);

/// The backup options as given. Throws UsageError for an unknown format.
orchestrate::RunBackups::Options backup_options(bool no_backup, const std::string& format);

/// "backup: <folder> (pg_dump plain)" or "no backup (--no-backup)", for confirmations.
std::string describe_backup(const orchestrate::RunBackups::Options& options, const config::Manifest& manifest);

/// Progress lines on stdout, one per service and per revision, unless quiet or JSON.
std::unique_ptr<run::RunObserver> make_console_observer(const GlobalOptions& options, std::ostream& out);

}  // namespace migrate::cli
