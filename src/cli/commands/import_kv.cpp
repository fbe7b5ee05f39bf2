// `migrate import-kv <service> <table> FILE [--replace]`: stage a key:json export into
// raw_<table> of the service's database, under the lock and audited.
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/session.hpp"
#include "migrate/orchestrate/kv_import.hpp"
#include "migrate/run/lock_guard.hpp"
#include "migrate/source/kv_export.hpp"
#include "migrate/util/error.hpp"

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
    const std::string table = orchestrate::raw_table_name(m_table);
    Session session(options, io, "import-kv");
    const config::ServiceConfig& service = *session.select(m_service).front();
    return session.run([&] {
      // An unreadable file stops the command before the database is touched.
      source::KvExportReader reader(m_file);
      spdlog::debug("reading {} as {}", m_file, source::to_string(reader.format()));
      db::Driver& driver = session.project().driver(service);
      run::LockGuard lock(driver, session.settings().lock, service.name, session.observer());
      audit::AuditEvent event;
      event.event = "import";
      event.service = service.name;
      const auto started = std::chrono::steady_clock::now();
      orchestrate::KvImportResult result;
      try {
        result = orchestrate::import_kv(driver, reader, m_table, m_replace);
      } catch (const Error& e) {
        event.ok = false;
        event.detail = table + " from " + m_file;
        event.error = e.what();
        session.record(event);
        throw;
      }
      event.duration_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
      event.detail = result.table + ": " + std::to_string(result.rows) + " rows, sha256 " + result.sha256;
      session.record(event);
      if (options.json) {
        io.out << nlohmann::ordered_json{{"success", true}, {"table", result.table}, {"rows", result.rows},
                                         {"sha256", result.sha256}}
                      .dump(2)
               << "\n";
      } else if (!options.quiet) {
        io.out << "imported " << result.rows << " rows into " << result.table << " (sha256 " << result.sha256
               << ")\n";
      }
      return 0;
    });
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
