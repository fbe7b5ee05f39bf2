// Helpers shared by the subcommands: project loading, settings, prompts, progress output.
#include <iostream>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/system.hpp"
#include "migrate/util/text.hpp"

namespace migrate::cli {

orchestrate::Project open_project(const GlobalOptions& options, db::OpenMode mode) {
  return orchestrate::Project(options.config, options.database_url, mode);
}

run::RunSettings run_settings(const GlobalOptions& options, const config::Manifest& manifest) {
  run::RunSettings settings;
  const auto wait = util::parse_duration(options.lock_wait);
  if (!wait) throw UsageError("--lock-wait must be a duration such as 60s or 2min");
  settings.lock.holder = util::lock_holder_id();
  settings.lock.wait = *wait;
  settings.lock.stale_after = manifest.defaults.lock_stale_after;
  settings.timeouts = manifest.defaults.timeouts;
  settings.applied_by = util::user_at_host();
  return settings;
}

Version parse_version_argument(const std::string& text, const std::string& option) {
  const std::string_view digits = util::trim(text);
  bool valid = !digits.empty() && digits.size() <= 18;
  Version version = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') valid = false;
    else version = version * 10 + (c - '0');
  }
  if (!valid) throw UsageError(option + " expects a revision number such as 0006, not '" + text + "'");
  return version;
}

bool confirm(const GlobalOptions& options, Io& io, const std::string& what) {
  if (options.yes) return true;
  if (!io.interactive) {
    throw UsageError("refusing to " + what +
                     " without confirmation: no terminal to ask on; pass --yes to proceed");
  }
  io.out << "Proceed? [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(io.in, answer)) return false;
  const std::string_view reply = util::trim(answer);
  return reply == "y" || reply == "Y" || reply == "yes" || reply == "YES" || reply == "Yes";
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

std::unique_ptr<run::RunObserver> make_console_observer(const GlobalOptions& options, Io& io) {
  if (options.quiet || options.json) return std::make_unique<run::RunObserver>();
  return std::make_unique<ConsoleObserver>(io.out);
}

}  // namespace migrate::cli
