// What every subcommand shares: global options, output streams and the Command interface.
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "migrate/model/revision.hpp"
#include "migrate/orchestrate/project.hpp"
#include "migrate/orchestrate/run_backups.hpp"
#include "migrate/run/runner.hpp"

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

/// Where a command writes results (out) and reads confirmations (in).
struct Io {
  std::ostream& out;
  std::istream& in;
  bool interactive;  ///< a person is at the terminal to answer prompts
};

/// One subcommand: registers its options on construction, runs after parsing.
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
Registered add_stamp_command(CLI::App& app);
Registered add_new_command(CLI::App& app);
Registered add_verify_command(CLI::App& app);
Registered add_backup_command(CLI::App& app);
Registered add_backups_command(CLI::App& app);
Registered add_restore_command(CLI::App& app);
Registered add_wait_command(CLI::App& app);
Registered add_import_kv_command(CLI::App& app);
Registered add_repair_command(CLI::App& app);
Registered add_lock_command(CLI::App& app);

// Helpers shared by the commands (command_support.cpp).

/// Opens the project named by --config with --database-url.
orchestrate::Project open_project(const GlobalOptions& options, db::OpenMode mode);

/// Lock policy and recording settings from the global options and the manifest.
run::RunSettings run_settings(const GlobalOptions& options, const config::Manifest& manifest);

/// Parses a version argument ("6", "0006"). Throws UsageError.
Version parse_version_argument(const std::string& text, const std::string& option);

/// Asks "Proceed? [y/N]" unless --yes. Returns true to go on. Throws UsageError when
/// no terminal is there to ask and --yes was not given.
bool confirm(const GlobalOptions& options, Io& io, const std::string& what);

/// Adds --no-backup and --backup-format to a changing subcommand.
void add_backup_options(CLI::App& app, bool& no_backup, std::string& format);

/// The backup options as given. Throws UsageError for an unknown format.
orchestrate::RunBackups::Options backup_options(bool no_backup, const std::string& format);

/// "backup: <folder> (pg_dump plain)" or "no backup (--no-backup)", for confirmations.
std::string describe_backup(const orchestrate::RunBackups::Options& options, const config::Manifest& manifest);

/// Progress lines on stdout, one per service and per revision, unless quiet or JSON.
std::unique_ptr<run::RunObserver> make_console_observer(const GlobalOptions& options, Io& io);

}  // namespace migrate::cli
