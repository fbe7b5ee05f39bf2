// `migrate transfer cleanup --older-than 48h [--service S] [--dry-run]`: drop import-kv's
// raw_* staging tables whose last import is older than that. Parse, call, render.
#include <ostream>

#include "cli/commands/transfer_commands.hpp"
#include "migrate/orchestrate/staging_cleanup.hpp"
#include "migrate/util/duration.hpp"

namespace migrate::cli {

namespace {

class CleanupCommand final : public Command {
 public:
  explicit CleanupCommand(CLI::App& app) {
    app.add_option("--older-than", m_older_than, "Drop tables whose last import is older than this (e.g. 48h)")
        ->required();
    app.add_option("--service", m_service, "Only this service (default: every service)");
    app.add_flag("--dry-run", m_dry_run, "List what would be dropped; drop nothing");
  }

  int run(const GlobalOptions& options, Io& io) override {
    const auto age = util::parse_duration(m_older_than);
    if (!age || age->count() <= 0) {
      throw UsageError("--older-than '" + m_older_than + "' is not a duration such as 48h or 30min");
    }
    const auto operation = open_operation(options, io, "transfer cleanup");
    const orchestrate::CleanupResult result = orchestrate::cleanup_staging(*operation, m_service, *age, m_dry_run);
    Json tables = Json::array();
    for (const orchestrate::StagingTable& table : result.tables) {
      io.output.text() << table.service << " " << table.table << ": " << table.action
                       << (table.imported_at.empty() ? "" : " (imported " + table.imported_at + ")") << "\n";
      tables.push_back({{"service", table.service},
                        {"table", table.table},
                        {"imported_at", table.imported_at.empty() ? Json(nullptr) : Json(table.imported_at)},
                        {"action", table.action}});
    }
    if (result.tables.empty()) io.output.text() << "no raw_* staging tables\n";
    if (result.declined) {
      return io.output.document(false, static_cast<int>(ExitCode::usage), "declined at the prompt: nothing was dropped",
                                {{"tables", tables}, {"declined", true}});
    }
    return io.output.success({{"dry_run", m_dry_run}, {"tables", tables}});
  }

 private:
  std::string m_older_than;
  std::string m_service;
  bool m_dry_run = false;
};

}  // namespace

Registered add_transfer_cleanup(CLI::App& transfer) {
  CLI::App* sub = transfer.add_subcommand(
      "cleanup", "Drop import-kv's raw_* staging tables whose last import is older than --older-than");
  return {sub, std::make_unique<CleanupCommand>(*sub)};
}

}  // namespace migrate::cli
