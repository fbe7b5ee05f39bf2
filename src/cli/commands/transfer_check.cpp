// `migrate transfer check NAME [--table T …] [--unique COLS …]`: duplicate and missing
// keys, values the target would refuse, duplicates on chosen columns; exit 4 when the copy
// would fail or lose rows. Parse, call orchestrate::check_transfer, render.
#include <ostream>

#include "cli/commands/transfer_commands.hpp"

namespace migrate::cli {

namespace {

class CheckCommand final : public Command {
 public:
  explicit CheckCommand(CLI::App& app) {
    add_transfer_selector(app, m_selector);
    app.add_option("--table", m_tables, "Only these source tables (repeatable)");
    app.add_option("--unique", m_unique,
                   "Also report duplicates of these source columns, e.g. member_id or guild_id,member_id (repeatable)");
  }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const auto findings = orchestrate::check_transfer(project, m_selector, m_tables, m_unique);
    Json tables = Json::array();
    std::size_t failing = 0;
    for (const transfer::TableFindings& table : findings) {
      if (!table.ok()) ++failing;
      io.output.text() << (table.ok() ? "ok   " : "FAIL ") << table.source << " -> " << table.target << ": "
                       << table.rows << " rows, " << table.missing_key << " without a key, " << table.duplicate_keys
                       << " duplicate keys, " << table.bad_values << " values the target refuses"
                       << (m_unique.empty() ? "" : ", " + std::to_string(table.unique_violations) + " repeated values")
                       << "\n";
      for (const std::string& example : table.examples) io.output.text() << "     " << example << "\n";
      tables.push_back({{"source", table.source},
                        {"target", table.target},
                        {"ok", table.ok()},
                        {"rows", table.rows},
                        {"missing_key", table.missing_key},
                        {"duplicate_keys", table.duplicate_keys},
                        {"bad_values", table.bad_values},
                        {"unique_violations", table.unique_violations},
                        {"examples", table.examples}});
    }
    const Json data = {{"tables", tables}};
    if (failing == 0) return io.output.success(data);
    return io.output.document(false, static_cast<int>(ExitCode::blocked),
                              std::to_string(failing) + " table(s) would fail to copy or lose rows", data);
  }

 private:
  orchestrate::TransferSelector m_selector;
  std::vector<std::string> m_tables;
  std::vector<std::string> m_unique;
};

}  // namespace

Registered add_transfer_check(CLI::App& transfer) {
  CLI::App* sub = transfer.add_subcommand(
      "check", "Find duplicate or missing keys and values the target would refuse, before copying; exit 4 if any");
  return {sub, std::make_unique<CheckCommand>(*sub)};
}

}  // namespace migrate::cli
