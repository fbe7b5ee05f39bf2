// `migrate import-kv <service> <table> FILE [--replace]`: stage a key:json export into
// raw_<table> of the service's database. Parses, calls orchestrate::import_kv_file, renders.
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/kv_import.hpp"

namespace migrate::cli {

namespace {

class ImportKvCommand final : public Command {
 public:
  explicit ImportKvCommand(CLI::App& app) {
    app.add_option("service", m_service, "The service whose database receives the table")->required();
    app.add_option("table", m_table, "The table name without raw_ (lowercase letters, digits, '_')")->required();
    app.add_option("file", m_file, "The export: an Enmap-style JSON document or JSON Lines")->required();
    app.add_flag("--replace", m_replace, "Delete the rows raw_<table> already holds, in the same transaction");
  }

  int run(const GlobalOptions& options, Io& io) override {
    // A bad table name is refused before the manifest is even read.
    (void)orchestrate::raw_table_name(m_table);
    const auto operation = open_operation(options, io, "import-kv");
    const orchestrate::KvImportResult result =
        orchestrate::import_kv_file(*operation, m_service, m_table, m_file, m_replace);
    io.output.text() << "imported " << result.rows << " rows into " << result.table << " (sha256 " << result.sha256
                     << ")\n";
    return io.output.success({{"table", result.table}, {"rows", result.rows}, {"sha256", result.sha256}});
  }

 private:
  std::string m_service;
  std::string m_table;
  std::string m_file;
  bool m_replace = false;
};

}  // namespace

Registered add_import_kv_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("import-kv", "Stage a key:json export into raw_<table> of a service's database");
  return {sub, std::make_unique<ImportKvCommand>(*sub)};
}

}  // namespace migrate::cli
