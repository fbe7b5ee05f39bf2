// `migrate adopt <service> --from <tool> [--dry-run]`: take over a database
// another tool migrated. Parses the options, calls orchestrate::adopt_history, renders the
// reconciliation.
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/adopt.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

class AdoptCommand final : public Command {
 public:
  explicit AdoptCommand(CLI::App& app) {
    app.add_option("service", m_request.service, "The service whose database to take over")->required();
    app.add_option("--from", m_from, "The tool that migrated it: " + adopt::tool_names())->required();
    app.add_option("--journal", m_request.journal,
                   "drizzle: the out folder (or its meta/_journal.json), to tie rows to migrations by `when`");
    app.add_option("--map", m_request.map,
                   "alembic: the id mapping `import alembic` wrote (default <migrations>/alembic_ids.json)");
    app.add_flag("--dry-run", m_request.dry_run, "Print the reconciliation and write nothing");
    app.add_flag("--finalize", m_request.finalize,
                 "Once adopted (a separate run): drop the tool's history table, after a confirmation");
  }

  int run(const GlobalOptions& options, Io& io) override {
    const std::optional<adopt::Tool> tool = adopt::parse_tool(m_from);
    if (!tool) throw UsageError("--from must be one of " + adopt::tool_names() + ", not '" + m_from + "'");
    m_request.tool = *tool;
    const auto operation = open_operation(options, io, "adopt");
    const orchestrate::AdoptReport report = orchestrate::adopt_history(*operation, m_request);
    const adopt::Reconciliation& result = report.reconciliation;

    std::ostream& out = io.output.text();
    out << report.service << " (" << report.database << "): " << m_from << "'s history in " << report.table << "\n";
    Json matched = Json::array();
    for (const adopt::Reconciliation::Match& match : result.matched) {
      out << "  " << format_version(match.version) << "_" << match.name << "  applied by " << m_from << " (matched by "
          << match.how << ")" << (m_request.dry_run ? "" : ", recorded") << "\n";
      matched.push_back({{"version", format_version(match.version)},
                         {"name", match.name},
                         {"matched_by", match.how},
                         {"applied_at", match.applied_at.empty() ? Json(nullptr) : Json(match.applied_at)}});
    }
    for (Version version : result.already) out << "  " << format_version(version) << "  already in migrate's history\n";
    for (Version version : result.pending) out << "  " << format_version(version) << "  pending\n";
    Json refused = Json::array();
    for (const adopt::Reconciliation::Refusal& refusal : result.refused) {
      out << "  refused: " << refusal.what << ": " << refusal.reason << "\n";
      refused.push_back({{"what", refusal.what}, {"reason", refusal.reason}});
    }
    const Json document = {{"service", report.service},   {"database", report.database},
                           {"from", m_from},              {"table", report.table},
                           {"dry_run", m_request.dry_run}, {"recorded", report.recorded},
                           {"matched", matched},          {"already", versions_json(result.already)},
                           {"pending", versions_json(result.pending)}, {"refused", refused}};
    if (!result.refused.empty()) {
      const std::string message = "cannot adopt " + report.service + " from " + m_from +
                                  " (dry run; nothing was written):" + orchestrate::describe_refusals(result);
      return io.output.failure(Failure{ExitCode::blocked, message, {}}, document);
    }
    if (m_request.finalize) {
      Json finalized = document;
      finalized["finalized"] = report.finalized;
      if (report.declined) {
        io.output.always() << "Cancelled; nothing was dropped.\n";
        finalized["declined"] = true;
        return io.output.document(false, static_cast<int>(ExitCode::usage), "declined at the prompt: nothing was dropped",
                                  finalized);
      }
      out << (report.finalized ? "dropped " : "dry run: would drop ") << report.table << "; migrate's history stays\n";
      return io.output.success(finalized);
    }
    if (m_request.dry_run) {
      out << "dry run: would record " << result.matched.size() << " revision(s) as applied; nothing was written\n";
    } else if (report.recorded) {
      out << "recorded " << result.matched.size() << " revision(s) as applied (no SQL was run)";
      if (!result.pending.empty()) out << "; " << result.pending.size() << " pending: `migrate up " << report.service << "`";
      out << "\n";
    } else {
      out << "nothing to record: migrate's history already has everything " << m_from << " applied\n";
    }
    return io.output.success(document);
  }

 private:
  orchestrate::AdoptRequest m_request;
  std::string m_from;
};

}  // namespace

Registered add_adopt_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("adopt", "Take over a database migrated by drizzle-kit, goose, Flyway, golang-migrate, dbmate or Alembic");
  return {sub, std::make_unique<AdoptCommand>(*sub)};
}

}  // namespace migrate::cli
