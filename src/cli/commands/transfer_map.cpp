// `migrate transfer map NAME` (the resolved mapping, table by table) and `migrate transfer
// plan NAME` (the mapping checked against both schemas, in foreign-key order; exit 2 when
// it cannot run). Parse, resolve, render.
#include <ostream>

#include "cli/commands/transfer_commands.hpp"

namespace migrate::cli {

namespace {

Json mapping_json(const transfer::Mapping& mapping) {
  Json tables = Json::array();
  for (const transfer::TableMapping& table : mapping.tables) {
    Json columns = Json::array();
    for (const transfer::ColumnMapping& column : table.columns) {
      Json entry = {{"target", column.target}, {"type", column.target_type}};
      if (column.source >= 0) {
        entry["source"] = table.source_columns[static_cast<std::size_t>(column.source)];
      } else {
        entry["constant"] = column.constant ? Json(*column.constant) : Json(nullptr);
      }
      if (!column.values.empty()) entry["values"] = column.values;
      columns.push_back(entry);
    }
    tables.push_back({{"source", table.source},
                      {"target", table.target},
                      {"order_by", table.order_by},
                      {"on_conflict", config::to_string(table.on_conflict)},
                      {"key", table.target_key},
                      {"columns", columns},
                      {"skipped_columns", table.skipped_columns}});
  }
  Json problems = Json::array();
  for (const transfer::Problem& problem : mapping.problems) {
    problems.push_back({{"table", problem.table}, {"message", problem.message}});
  }
  Json derived = Json::array();
  for (const transfer::TableMapping& table : mapping.derived) {
    derived.push_back({{"table", table.target},
                       {"step", table.derived_step},
                       {"columns", table.source_columns},
                       {"on_conflict", config::to_string(table.on_conflict)},
                       {"key", table.target_key}});
  }
  return {{"tables", tables}, {"skipped_tables", mapping.skipped_tables}, {"derived", derived}, {"problems", problems}};
}

void render_mapping(std::ostream& out, const orchestrate::ResolvedTransfer& resolved) {
  out << "transfer " << resolved.spec.name << ": " << resolved.source_url.redacted << " -> " << resolved.target->name
      << " (" << resolved.target_url.redacted << ")\n";
  std::size_t position = 0;
  for (const transfer::TableMapping& table : resolved.mapping.tables) {
    out << ++position << ". " << table.source << " -> " << table.target << "  (order by " << table.order_by
        << "; on conflict " << config::to_string(table.on_conflict) << ")\n";
    for (const transfer::ColumnMapping& column : table.columns) {
      out << "     " << column.target << " " << column.target_type << " <- ";
      if (column.source >= 0) {
        out << table.source_columns[static_cast<std::size_t>(column.source)];
      } else {
        out << (column.constant ? "'" + *column.constant + "'" : std::string("NULL"));
      }
      if (!column.values.empty()) out << "  (" << column.values.size() << " values mapped)";
      out << "\n";
    }
    for (const std::string& skipped : table.skipped_columns) out << "     (skipped) " << skipped << "\n";
  }
  for (const std::string& table : resolved.mapping.skipped_tables) out << "   (skipped table) " << table << "\n";
  for (const transfer::TableMapping& table : resolved.mapping.derived) {
    out << ++position << ". (derived) " << table.target << " by transfer step " << table.derived_step
        << "  (on conflict " << config::to_string(table.on_conflict) << ")\n";
    for (const std::string& column : table.source_columns) out << "     " << column << "\n";
  }
}

class MapCommand final : public Command {
 public:
  MapCommand(CLI::App& app, bool plan) : m_plan(plan) { add_transfer_selector(app, m_selector); }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const orchestrate::ResolvedTransfer resolved = orchestrate::resolve_transfer(project, m_selector);
    render_mapping(io.output.text(), resolved);
    Json data = mapping_json(resolved.mapping);
    data["transfer"] = resolved.spec.name;
    data["target"] = resolved.target->name;
    if (!m_plan) return io.output.success(data);
    for (const transfer::Problem& problem : resolved.mapping.problems) {
      io.output.text() << "problem: " << problem.table << ": " << problem.message << "\n";
    }
    if (resolved.mapping.problems.empty()) {
      io.output.text() << "the mapping fits both schemas; tables copy in the order above\n";
      return io.output.success(data);
    }
    return io.output.document(false, static_cast<int>(ExitCode::usage),
                              std::to_string(resolved.mapping.problems.size()) + " problem(s) in the transfer's mapping",
                              data);
  }

 private:
  bool m_plan;
  orchestrate::TransferSelector m_selector;
};

}  // namespace

Registered add_transfer_map(CLI::App& transfer) {
  CLI::App* sub = transfer.add_subcommand("map", "Show how each source table and column reaches the target");
  return {sub, std::make_unique<MapCommand>(*sub, false)};
}

Registered add_transfer_plan(CLI::App& transfer) {
  CLI::App* sub = transfer.add_subcommand(
      "plan", "Check the mapping against both schemas (every NOT NULL column fed, names known); exit 2 if not");
  return {sub, std::make_unique<MapCommand>(*sub, true)};
}

}  // namespace migrate::cli
