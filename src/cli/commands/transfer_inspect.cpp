// `migrate transfer inspect --from URL [--sample N]` (the source's tables, keys and the
// kinds of values actually found, with problems) and `migrate transfer schema NAME
// [--dry-run]` (the drafted PostgreSQL schema, written as the target's next revision).
// Parse, call, render.
#include <ostream>

#include "cli/commands/transfer_commands.hpp"

namespace migrate::cli {

namespace {

// "integer 1200 (0/1: 1200, epoch s: 0 …)": the kinds found, only those present.
std::string describe_kinds(const transfer::ColumnProfile& column) {
  std::string out;
  auto add = [&](const char* label, std::int64_t count) {
    if (count > 0) out += (out.empty() ? "" : ", ") + std::string(label) + " " + std::to_string(count);
  };
  add("integer", column.integers);
  add("real", column.reals);
  add("text", column.texts);
  add("blob", column.blobs);
  add("0/1", column.zero_one);
  add("epoch s", column.epoch_seconds);
  add("epoch ms", column.epoch_millis);
  add("JSON", column.json);
  add("JSON scalar", column.json_scalars);
  add("not JSON", column.not_json);
  add("UUID", column.uuids);
  add("IPv4", column.ipv4);
  add("IPv6", column.ipv6);
  add("ISO date", column.iso_dates);
  add("ISO timestamp", column.iso_timestamps);
  add("NULL", column.nulls);
  return out.empty() ? "no rows" : out;
}

Json column_json(const transfer::ColumnProfile& column) {
  return {{"name", column.name},         {"declared_type", column.declared_type},
          {"non_null", column.non_null}, {"nulls", column.nulls},
          {"kinds",
           {{"integer", column.integers},
            {"real", column.reals},
            {"text", column.texts},
            {"blob", column.blobs},
            {"zero_one", column.zero_one},
            {"epoch_seconds", column.epoch_seconds},
            {"epoch_milliseconds", column.epoch_millis},
            {"json", column.json},
            {"json_scalar", column.json_scalars},
            {"not_json", column.not_json},
            {"uuid", column.uuids},
            {"ipv4", column.ipv4},
            {"ipv6", column.ipv6},
            {"iso_date", column.iso_dates},
            {"iso_timestamp", column.iso_timestamps}}}};
}

class InspectCommand final : public Command {
 public:
  explicit InspectCommand(CLI::App& app) {
    app.add_option("--from", m_from, "The source database URL, or env:VARIABLE holding it")->required();
    app.add_option("--sample", m_sample, "Profile only the first N rows of each table (default: all)")
        ->check(CLI::NonNegativeNumber);
  }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const orchestrate::SourceInspection inspection = orchestrate::inspect_source(project, m_from, m_sample);
    Json tables = Json::array();
    std::size_t problems = 0;
    io.output.text() << "source " << inspection.source << ": " << inspection.tables.size() << " tables\n";
    for (const db::TableInfo& table : inspection.tables) {
      const transfer::TableProfile* profile = inspection.profile.table(table.name);
      std::string key;
      for (const std::string& column : table.primary_key) key += (key.empty() ? "" : ", ") + column;
      io.output.text() << "\n" << table.name << ": " << (profile ? profile->rows : 0) << " rows, primary key ("
                       << (key.empty() ? "none" : key) << ")\n";
      Json columns = Json::array();
      if (profile != nullptr) {
        for (const transfer::ColumnProfile& column : profile->columns) {
          io.output.text() << "  " << column.name << " " << (column.declared_type.empty() ? "(no type)" : column.declared_type)
                           << ": " << describe_kinds(column) << "\n";
          columns.push_back(column_json(column));
        }
      }
      Json foreign_keys = Json::array();
      for (const db::ForeignKey& fk : table.foreign_keys) {
        std::string from_columns;
        for (const std::string& column : fk.columns) from_columns += (from_columns.empty() ? "" : ", ") + column;
        io.output.text() << "  foreign key (" << from_columns << ") -> " << fk.references << "\n";
        foreign_keys.push_back({{"columns", fk.columns}, {"references", fk.references}, {"referenced_columns", fk.referenced_columns}});
      }
      for (const std::string& index : table.indexes) io.output.text() << "  " << index << "\n";
      Json found = Json::array();
      if (profile != nullptr) {
        for (const transfer::ProfileProblem& problem : profile->problems) {
          ++problems;
          io.output.text() << "  problem: " << problem.message << "\n";
          for (const std::string& example : problem.examples) io.output.text() << "    " << example << "\n";
          found.push_back({{"kind", transfer::to_string(problem.kind)},
                           {"column", problem.column},
                           {"count", problem.count},
                           {"examples", problem.examples},
                           {"message", problem.message}});
        }
      }
      tables.push_back({{"name", table.name},
                        {"rows", profile ? profile->rows : 0},
                        {"rows_profiled", profile ? profile->rows_profiled : 0},
                        {"primary_key", table.primary_key},
                        {"columns", columns},
                        {"foreign_keys", foreign_keys},
                        {"indexes", table.indexes},
                        {"problems", found}});
    }
    return io.output.success({{"source", inspection.source}, {"problems", problems}, {"tables", tables}});
  }

 private:
  std::string m_from;
  std::int64_t m_sample = 0;
};

class SchemaCommand final : public Command {
 public:
  explicit SchemaCommand(CLI::App& app) {
    add_transfer_selector(app, m_selector);
    app.add_option("--sample", m_sample, "Decide types from the first N rows of each table (default: all)")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--dry-run", m_dry_run, "Show the decisions and the SQL; write no file");
  }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const orchestrate::SchemaRevision revision =
        orchestrate::write_schema_revision(project, m_selector, m_sample, m_dry_run);
    Json tables = Json::array();
    for (const transfer::TableDecision& table : revision.draft.tables) {
      io.output.text() << table.source << " -> " << table.target << "\n";
      Json columns = Json::array();
      for (const transfer::ColumnDecision& column : table.columns) {
        io.output.text() << "  " << column.target << " " << column.target_type << "  <- " << column.source << " "
                         << (column.source_type.empty() ? "(no type)" : column.source_type) << ": " << column.reason
                         << "\n";
        columns.push_back({{"source", column.source},
                           {"target", column.target},
                           {"source_type", column.source_type},
                           {"target_type", column.target_type},
                           {"reason", column.reason}});
      }
      for (const std::string& note : table.notes) io.output.text() << "  note: " << note << "\n";
      tables.push_back({{"source", table.source}, {"target", table.target}, {"columns", columns}, {"notes", table.notes}});
    }
    Json files = Json::array();
    for (const auto& file : revision.files) {
      io.output.text() << "wrote " << file.string() << "\n";
      files.push_back(file.string());
    }
    if (m_dry_run) io.output.text() << "\n" << revision.draft.up_sql;
    return io.output.success({{"dry_run", m_dry_run},
                              {"version", revision.version ? Json(*revision.version) : Json(nullptr)},
                              {"files", files},
                              {"tables", tables},
                              {"up_sql", revision.draft.up_sql},
                              {"down_sql", revision.draft.down_sql}});
  }

 private:
  orchestrate::TransferSelector m_selector;
  std::int64_t m_sample = 0;
  bool m_dry_run = false;
};

}  // namespace

Registered add_transfer_inspect(CLI::App& transfer) {
  CLI::App* sub = transfer.add_subcommand(
      "inspect", "Profile a source: tables, keys, the kinds of values actually found, and problems");
  return {sub, std::make_unique<InspectCommand>(*sub)};
}

Registered add_transfer_schema(CLI::App& transfer) {
  CLI::App* sub = transfer.add_subcommand(
      "schema", "Draft the PostgreSQL schema of a SQLite source as the target service's next revision");
  return {sub, std::make_unique<SchemaCommand>(*sub)};
}

}  // namespace migrate::cli
