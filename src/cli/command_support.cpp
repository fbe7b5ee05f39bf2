// Helpers shared by the subcommands: project loading, settings, prompts, progress output.
#include <iostream>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/system.hpp"
#include "migrate/util/text.hpp"

namespace migrate::cli {

orchestrate::Project open_project(const GlobalOptions& options, db::OpenMode mode) {
  return orchestrate::Project(options.config, options.database_url, mode);
}

namespace {

orchestrate::Answer ask(const GlobalOptions& options, Io& io, const std::string& what) {
  if (options.yes) return orchestrate::Answer::assumed_yes;
  if (!io.interactive) {
    throw UsageError("refusing to " + what +
                     " without confirmation: no terminal to ask on; pass --yes to proceed");
  }
  io.output.prompt() << "Proceed? [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(io.in, answer)) {
    // Ctrl-C at the question (the read fails with EINTR) stops the command; it is no answer.
    util::throw_if_interrupted();
    return orchestrate::Answer::no;
  }
  const std::string_view reply = util::trim(answer);
  const bool yes = reply == "y" || reply == "Y" || reply == "yes" || reply == "YES" || reply == "Yes";
  return yes ? orchestrate::Answer::yes : orchestrate::Answer::no;
}

}  // namespace

std::unique_ptr<orchestrate::Operation> open_operation(const GlobalOptions& options, Io& io,
                                                       const std::string& command) {
  const auto wait = util::parse_duration(options.lock_wait);
  if (!wait) throw UsageError("--lock-wait must be a duration such as 60s or 2min");
  orchestrate::OperationOptions operation;
  operation.config = options.config;
  operation.database_url = options.database_url;
  operation.command = command;
  operation.command_line = options.command_line;
  operation.lock_wait = *wait;
  return std::make_unique<orchestrate::Operation>(
      operation, io.progress, [&options, &io](const std::string& what) { return ask(options, io, what); });
}

void add_backup_options(CLI::App& app, bool& no_backup, std::string& format) {
  app.add_flag("--no-backup", no_backup, "Do not back up the database first (audited)");
  app.add_option("--backup-format", format, "PostgreSQL backup format: plain (default) or custom");
}

orchestrate::RunBackups::Options backup_options(bool no_backup, const std::string& format) {
  orchestrate::RunBackups::Options options;
  options.skip = no_backup;
  if (format == "custom") options.format = backup::BackupFormat::custom;
  else if (format != "plain") throw UsageError("--backup-format must be plain or custom, not '" + format + "'");
  return options;
}

std::string describe_backup(const orchestrate::RunBackups::Options& options, const config::Manifest& manifest) {
  if (options.skip) return "no backup (--no-backup)";
  return "backup first into " + manifest.defaults.backup_dir.string() +
         (options.format == backup::BackupFormat::custom ? " (pg_dump custom format on PostgreSQL)" : "");
}

namespace {

class ConsoleObserver final : public run::RunObserver {
 public:
  explicit ConsoleObserver(std::ostream& out) : m_out(out) {}

  void service_started(const std::string& service, run::Direction direction, std::size_t planned) override {
    m_out << "== " << service << ": " << (direction == run::Direction::up ? "applying " : "rolling back ")
          << planned << " revision(s)\n"
          << std::flush;
  }

  void service_finished(const std::string& service, run::Direction, std::size_t done,
                        std::chrono::milliseconds elapsed) override {
    m_out << "== " << service << ": " << done << " done in " << elapsed.count() << " ms\n" << std::flush;
  }

  void step_finished(const std::string& service, const Revision& revision, run::Direction direction,
                     std::chrono::milliseconds elapsed) override {
    m_out << (direction == run::Direction::up ? "applied     " : "rolled back ") << service << " "
          << revision.label() << " (" << elapsed.count() << " ms)\n"
          << std::flush;
  }

 private:
  std::ostream& m_out;
};

}  // namespace

std::unique_ptr<run::RunObserver> make_console_observer(const GlobalOptions& options, std::ostream& out) {
  if (options.quiet || options.json) return std::make_unique<run::RunObserver>();
  return std::make_unique<ConsoleObserver>(out);
}

}  // namespace migrate::cli
