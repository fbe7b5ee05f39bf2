// `migrate transfer validate NAME` (every copied row compared through the target's types,
// row counts, foreign keys; exit 4 on any mismatch) and `migrate transfer status NAME`
// (checkpoints and runs, from the target alone). Parse, call, render.
#include <ostream>

#include "cli/commands/transfer_commands.hpp"

namespace migrate::cli {

namespace {

class ValidateCommand final : public Command {
 public:
  explicit ValidateCommand(CLI::App& app) { add_transfer_selector(app, m_selector); }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const std::vector<transfer::TableCheck> checks = orchestrate::validate_transfer(project, m_selector);
    std::size_t failed = 0;
    for (const transfer::TableCheck& check : checks) failed += check.ok() ? 0 : 1;
    const Json data = {{"tables", render_validation(io.output.text(), checks)}};
    if (failed == 0) return io.output.success(data);
    return io.output.document(false, static_cast<int>(ExitCode::blocked),
                              std::to_string(failed) + " table(s) differ between source and target", data);
  }

 private:
  orchestrate::TransferSelector m_selector;
};

class StatusCommand final : public Command {
 public:
  explicit StatusCommand(CLI::App& app) { add_transfer_selector(app, m_selector); }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const orchestrate::TransferStatus status = orchestrate::transfer_status(project, m_selector);
    Json tables = Json::array();
    if (status.tables.empty()) io.output.text() << "transfer " << status.transfer << ": never run into " << status.target << "\n";
    for (const transfer::TableProgress& table : status.tables) {
      io.output.text() << table.source_table << " -> " << table.target_table << ": " << table.state << ", "
                       << table.rows_read << " rows read, " << table.rows_written << " written, " << table.rows_skipped
                       << " skipped, last checkpoint " << table.updated_at << ", " << table.seconds << " s\n";
      tables.push_back({{"source", table.source_table},
                        {"target", table.target_table},
                        {"state", table.state},
                        {"rows_read", table.rows_read},
                        {"rows_written", table.rows_written},
                        {"rows_skipped", table.rows_skipped},
                        {"last_checkpoint", table.updated_at},
                        {"seconds", table.seconds}});
    }
    Json runs = Json::array();
    for (const transfer::RunRecord& run : status.runs) {
      io.output.text() << "run " << run.id << ": " << run.started_at << " .. "
                       << (run.finished_at.empty() ? "(running or stopped)" : run.finished_at) << " " << run.outcome
                       << ", " << run.rows << " rows, from " << run.source
                       << (run.mapping_sha256.empty() ? std::string() : ", mapping " + run.mapping_sha256.substr(0, 12))
                       << "\n";
      Json per_table = Json::parse(run.tables, nullptr, false);
      if (per_table.is_discarded() || !per_table.is_object()) per_table = Json::object();
      for (const auto& [table, rows] : per_table.items()) io.output.text() << "    " << table << ": " << rows << " rows\n";
      runs.push_back({{"id", run.id},
                      {"source", run.source},
                      {"started_at", run.started_at},
                      {"finished_at", run.finished_at.empty() ? Json(nullptr) : Json(run.finished_at)},
                      {"outcome", run.outcome},
                      {"rows", run.rows},
                      {"tables", per_table},
                      {"mapping_sha256", run.mapping_sha256.empty() ? Json(nullptr) : Json(run.mapping_sha256)}});
    }
    return io.output.success({{"transfer", status.transfer}, {"target", status.target}, {"tables", tables}, {"runs", runs}});
  }

 private:
  orchestrate::TransferSelector m_selector;
};

}  // namespace

Json render_validation(std::ostream& out, const std::vector<transfer::TableCheck>& checks) {
  Json tables = Json::array();
  for (const transfer::TableCheck& check : checks) {
    out << (check.ok() ? "ok   " : "FAIL ") << check.source << " -> " << check.target << ": " << check.compared
        << " rows compared (source " << check.source_rows << ", target " << check.target_rows << "), " << check.missing
        << " missing, " << check.different << " different"
        << (check.kept > 0 ? ", " + std::to_string(check.kept) + " kept (on_conflict skip)" : "") << ", "
        << check.orphans << " orphaned\n";
    for (const std::string& line : check.mismatches) out << "     " << line << "\n";
    tables.push_back({{"source", check.source},
                      {"target", check.target},
                      {"ok", check.ok()},
                      {"source_rows", check.source_rows},
                      {"target_rows", check.target_rows},
                      {"compared", check.compared},
                      {"missing", check.missing},
                      {"different", check.different},
                      {"kept", check.kept},
                      {"orphans", check.orphans},
                      {"mismatches", check.mismatches}});
  }
  return tables;
}

Registered add_transfer_validate(CLI::App& transfer) {
  CLI::App* sub = transfer.add_subcommand(
      "validate", "Compare every copied row with its source (through the target's types), counts and foreign keys");
  return {sub, std::make_unique<ValidateCommand>(*sub)};
}

Registered add_transfer_status(CLI::App& transfer) {
  CLI::App* sub = transfer.add_subcommand("status", "Each table's checkpoint and the last runs, read from the target");
  return {sub, std::make_unique<StatusCommand>(*sub)};
}

}  // namespace migrate::cli
