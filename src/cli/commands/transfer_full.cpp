// `migrate transfer full NAME [--jobs N] [--batch N] [--no-backup] [--sample N]`: preflight,
// schema revision, `up`, copy, validation and rollback script as one confirmed command.
// Parse, call orchestrate::run_transfer_full, render the plan and every stage it reached.
#include <ostream>
#include <sstream>

#include "cli/commands/transfer_commands.hpp"
#include "migrate/orchestrate/transfer_full.hpp"
#include "migrate/util/text.hpp"

namespace migrate::cli {

namespace {

std::string revision_label(const orchestrate::TransferFullPlan& plan) {
  return format_version(*plan.schema_version) + "_" + orchestrate::schema_revision_name(plan.transfer);
}

Json plan_json(const orchestrate::TransferFullPlan& plan) {
  Json pending = Json::array();
  for (const Revision& revision : plan.pending) pending.push_back(revision.label());
  if (plan.schema) pending.push_back(revision_label(plan));
  Json tables = Json::array();
  for (const orchestrate::PlannedTable& table : plan.tables) {
    tables.push_back({{"source", table.source},
                      {"target", table.target},
                      {"on_conflict", std::string(config::to_string(table.on_conflict))}});
  }
  return {{"schema_revision", plan.schema ? Json(revision_label(plan)) : Json(nullptr)},
          {"pending", pending},
          {"tables", tables},
          {"mapping_checked_after_up", plan.mapping_after_up}};
}

// The one plan shown before the confirmation.
void show_plan(std::ostream& out, const orchestrate::TransferFullPlan& plan, bool no_backup) {
  out << "transfer " << plan.transfer << " from " << plan.source << " into " << plan.target << "\n";
  out << "preflight:\n";
  (void)render_preflight(out, plan.preflight);
  if (plan.schema) {
    out << "schema: write revision " << revision_label(plan) << " (" << plan.schema->draft.tables.size()
        << " table(s), drafted from the source; `migrate transfer schema " << plan.transfer
        << " --dry-run` shows each type decision)\n";
  } else {
    out << "schema: no revision written (the target has the tables, or a pending revision makes them)\n";
  }
  if (plan.pending.empty() && !plan.schema) {
    out << "up: nothing pending\n";
  } else {
    out << "up: apply";
    for (const Revision& revision : plan.pending) out << " " << revision.label();
    if (plan.schema) out << " " << revision_label(plan);
    out << "\n";
  }
  out << "copy " << plan.tables.size() << " table(s):\n";
  for (const orchestrate::PlannedTable& table : plan.tables) {
    out << "  " << table.source << " -> " << table.target << " (on conflict: " << config::to_string(table.on_conflict)
        << ")\n";
  }
  out << (no_backup ? "no backup (--no-backup)\n" : "backup first when the target holds rows\n");
  out << "then validate, and keep the rollback script\n";
}

class FullCommand final : public Command {
 public:
  explicit FullCommand(CLI::App& app) {
    add_transfer_selector(app, m_request.selector);
    app.add_option("--batch", m_request.copy.batch, "Source rows per chunk (default: the spec's batch)")
        ->check(CLI::Range(1, 1'000'000));
    app.add_option("--jobs", m_request.copy.jobs, "Tables copied at once, each on connections of its own")
        ->check(CLI::Range(1, 32));
    app.add_option("--sample", m_request.sample, "Decide the drafted schema's types from the first N rows (default: all)")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--no-backup", m_request.no_backup, "Back the target up neither before `up` nor before the copy");
    m_request.copy.batch = 0;  // the spec's
  }

  int run(const GlobalOptions& options, Io& io) override {
    const auto operation = open_operation(options, io, "transfer full");
    const auto progress = make_copy_progress(options);
    const orchestrate::TransferFullResult result = orchestrate::run_transfer_full(
        *operation, m_request, [&](const orchestrate::TransferFullPlan& plan) { show_plan(io.output.plan(), plan, m_request.no_backup); },
        *progress);
    return render(io.output, result);
  }

 private:
  static int render(Output& output, const orchestrate::TransferFullResult& result) {
    const orchestrate::TransferFullPlan& plan = result.plan;
    Json stages = Json::object();
    std::ostream& out = output.text();
    // The plan showed the checks; a preflight that failed (so no plan was shown) shows them now.
    std::ostringstream shown;
    stages["preflight"] = {
        {"ok", plan.preflight_failed == 0 && !plan.preflight.empty()},
        {"checks", render_preflight(result.failed_stage == "preflight" ? out : shown, plan.preflight)}};
    if (result.schema) {
      Json files = Json::array();
      for (const auto& file : result.schema->files) {
        out << "schema: wrote " << file.string() << "\n";
        files.push_back(file.string());
      }
      stages["schema"] = {{"version", result.schema->version ? Json(*result.schema->version) : Json(nullptr)},
                          {"files", files}};
    }
    if (result.up) {
      out << "up: applied " << result.up->committed() << " revision(s)\n";
      stages["up"] = {{"applied", result.up->committed()}, {"services", run_report_json(*result.up, "applied")}};
    }
    if (result.run) stages["run"] = render_copy(output, *result.run);
    if (!result.validation.empty() || result.failed_stage == "validate") {
      stages["validate"] = {{"ok", result.failed_stage != "validate"},
                            {"tables", render_validation(out, result.validation)}};
    }
    if (result.rollback_script && !result.run) out << "rollback script: " << result.rollback_script->string() << "\n";
    Json data = {{"transfer", plan.transfer},
                 {"target", plan.target},
                 {"source", plan.source},
                 {"plan", plan_json(plan)},
                 {"done", result.done},
                 {"failed_stage", result.failed_stage.empty() ? Json(nullptr) : Json(result.failed_stage)},
                 {"rollback_script", result.rollback_script ? Json(result.rollback_script->string()) : Json(nullptr)},
                 {"stages", stages}};
    if (result.declined) {
      output.always() << "Cancelled; nothing was changed.\n";
      data["declined"] = true;
      return output.document(false, static_cast<int>(ExitCode::usage),
                             "declined at the prompt: nothing was changed", data);
    }
    if (result.failure) {
      if (!result.failed_stage.empty()) out << "stopped at " << result.failed_stage << "\n";
      return output.failure(*result.failure, data);
    }
    out << "transfer " << plan.transfer << ": done (" << util::join(result.done, ", ") << ")\n";
    return output.success(data);
  }

  orchestrate::TransferFullRequest m_request;
};

}  // namespace

Registered add_transfer_full(CLI::App& transfer) {
  CLI::App* sub = transfer.add_subcommand(
      "full", "Preflight, schema revision, up, copy, validate and rollback script: one plan, one confirmation");
  return {sub, std::make_unique<FullCommand>(*sub)};
}

}  // namespace migrate::cli
