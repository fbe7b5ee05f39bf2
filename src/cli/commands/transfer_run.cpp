// `migrate transfer run NAME [--table T …] [--dry-run] [--batch N] [--restart]`: the
// checkpointed copy, with progress on stderr (a line per table on a terminal, JSON lines
// with --json). Parse, call orchestrate::run_transfer, render.
#include <chrono>
#include <iostream>
#include <ostream>

#include "cli/commands/transfer_commands.hpp"
#include "migrate/util/system.hpp"

namespace migrate::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Progress on stderr: JSON lines under --json, else a refreshed line per table when stderr
// is a terminal, else only warnings.
class ProgressLines final : public transfer::CopyObserver {
 public:
  ProgressLines(bool json, bool terminal, bool quiet) : m_json(json), m_terminal(terminal), m_quiet(quiet) {}

  void on_chunk(const transfer::TableProgress& progress, std::int64_t total) override {
    if (progress.source_table != m_table) {
      m_table = progress.source_table;
      m_started = Clock::now();
      m_first_read = progress.rows_read;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - m_started).count();
    const double rate = seconds > 0 ? static_cast<double>(progress.rows_read - m_first_read) / seconds : 0;
    if (m_json) {
      std::cerr << Json{{"event", "progress"},       {"table", progress.source_table},
                        {"target", progress.target_table}, {"state", progress.state},
                        {"rows_read", progress.rows_read}, {"rows_written", progress.rows_written},
                        {"rows_skipped", progress.rows_skipped}, {"total", total},
                        {"rows_per_second", static_cast<std::int64_t>(rate)}}
                       .dump()
                << "\n";
      return;
    }
    if (!m_terminal || m_quiet) return;
    std::cerr << "\r" << progress.source_table << " -> " << progress.target_table << ": " << progress.rows_read;
    if (total >= 0) std::cerr << "/" << total;
    std::cerr << " rows, " << static_cast<std::int64_t>(rate) << " rows/s";
    if (rate > 0 && total > progress.rows_read) {
      std::cerr << ", ETA " << static_cast<std::int64_t>(static_cast<double>(total - progress.rows_read) / rate) << " s";
    }
    std::cerr << "    ";
    if (progress.state == "done") std::cerr << "\n";
    std::cerr << std::flush;
  }

  void on_warning(const std::string& table, const std::string& message) override {
    if (m_json) {
      std::cerr << Json{{"event", "warning"}, {"table", table}, {"message", message}}.dump() << "\n";
    } else {
      std::cerr << (m_terminal ? "\n" : "") << "warning: " << table << ": " << message << "\n";
    }
  }

 private:
  bool m_json;
  bool m_terminal;
  bool m_quiet;
  std::string m_table;
  Clock::time_point m_started;
  std::int64_t m_first_read = 0;
};

class RunCommand final : public Command {
 public:
  explicit RunCommand(CLI::App& app) {
    add_transfer_selector(app, m_selector);
    app.add_option("--table", m_options.tables, "Only these source tables, or derived tables by their target name (repeatable)");
    app.add_flag("--dry-run", m_options.dry_run,
                 "Convert and load everything in one transaction, report, and roll it all back");
    app.add_option("--batch", m_batch, "Source rows per chunk (one transaction and checkpoint each)")
        ->check(CLI::Range(1, 1'000'000));
    app.add_option("--jobs", m_options.jobs, "Tables copied at once, each on connections of its own")
        ->check(CLI::Range(1, 32));
    app.add_flag("--restart", m_options.restart, "Forget the checkpoints and copy from the first row");
    app.add_flag("--no-backup", m_no_backup, "Do not back the target up first (when it holds rows)");
  }

  int run(const GlobalOptions& options, Io& io) override {
    const auto operation = open_operation(options, io, m_options.dry_run ? "transfer run --dry-run" : "transfer run");
    if (m_batch > 0) {
      m_options.batch = m_batch;
    } else {
      m_options.batch = orchestrate::select_transfer(m_selector, operation->project().manifest()).batch;
    }
    const auto progress = make_copy_progress(options);
    const orchestrate::TransferRunResult result =
        orchestrate::run_transfer(*operation, m_selector, m_options, m_no_backup, *progress);
    if (result.declined) {
      return io.output.document(false, static_cast<int>(ExitCode::usage), "declined at the prompt: nothing was copied",
                                {{"declined", true}});
    }
    return io.output.success(render_copy(io.output, result));
  }

 private:
  orchestrate::TransferSelector m_selector;
  transfer::CopyOptions m_options;
  int m_batch = 0;
  bool m_no_backup = false;
};

}  // namespace

std::unique_ptr<transfer::CopyObserver> make_copy_progress(const GlobalOptions& options) {
  return std::make_unique<ProgressLines>(options.json, util::stderr_is_terminal(), options.quiet);
}

Json render_copy(Output& output, const orchestrate::TransferRunResult& result) {
  Json tables = Json::array();
  std::int64_t written = 0;
  for (const transfer::TableOutcome& table : result.tables) {
    const transfer::TableProgress& p = table.progress;
    written += p.rows_written;
    output.text() << p.source_table << " -> " << p.target_table << ": " << p.rows_written << " rows written"
                  << (p.rows_skipped > 0 ? ", " + std::to_string(p.rows_skipped) + " skipped" : std::string())
                  << (table.already_done ? " (done in an earlier run)" : table.resumed ? " (resumed)" : "") << "\n";
    tables.push_back({{"source", p.source_table},
                      {"target", p.target_table},
                      {"rows_read", p.rows_read},
                      {"rows_written", p.rows_written},
                      {"rows_skipped", p.rows_skipped},
                      {"source_rows", table.total},
                      {"resumed", table.resumed},
                      {"already_done", table.already_done},
                      {"seconds", table.seconds}});
  }
  if (result.dry_run) output.text() << "dry run: everything was rolled back\n";
  if (result.backup) output.text() << "backup: " << result.backup->string() << "\n";
  if (result.rollback_script) output.text() << "rollback script: " << result.rollback_script->string() << "\n";
  return {{"dry_run", result.dry_run},
          {"rows_written", written},
          {"backup", result.backup ? Json(result.backup->string()) : Json(nullptr)},
          {"rollback_script", result.rollback_script ? Json(result.rollback_script->string()) : Json(nullptr)},
          {"tables", tables}};
}

Registered add_transfer_run(CLI::App& transfer) {
  CLI::App* sub = transfer.add_subcommand("run", "Copy the rows (COPY, checkpointed per chunk, resumable)");
  return {sub, std::make_unique<RunCommand>(*sub)};
}

}  // namespace migrate::cli
