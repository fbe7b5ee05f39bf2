// `migrate transfer full`: the plan read first, one confirmation, then the schema revision,
// `up`, the copy and validation, each an existing verb run inside this command's audited
// frame; see transfer_full.hpp.
#include "migrate/orchestrate/transfer_full.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "migrate/orchestrate/apply.hpp"
#include "migrate/orchestrate/new_revision.hpp"
#include "migrate/transfer/rollback_script.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/text.hpp"

namespace migrate::orchestrate {

namespace {

// A stage that reported its failure as a value (`up`), carried out of the stages as it is.
struct StageFailed {
  Failure failure;
};

// The tables the spec sends each source table to (source order), whatever the target holds.
std::vector<PlannedTable> spec_tables(const config::TransferSpec& spec, const std::vector<db::TableInfo>& source) {
  std::vector<PlannedTable> out;
  for (const db::TableInfo& table : source) {
    const config::TableSpec* table_spec = spec.table(table.name);
    if (table_spec != nullptr && table_spec->skip) continue;
    out.push_back({table.name, table_spec != nullptr && table_spec->to ? *table_spec->to : table.name,
                   table_spec != nullptr ? table_spec->on_conflict : config::OnConflict::error});
  }
  return out;
}

TransferFullPlan make_plan(Operation& operation, const TransferFullRequest& request, const config::TransferSpec& spec,
                           const config::ServiceConfig& service) {
  Project& project = operation.project();
  ResolvedTransfer resolved = resolve_transfer(project, request.selector);
  operation.audit().add_secret(resolved.source_url.password);
  for (const std::string& secret : resolved.source_url.secrets) operation.audit().add_secret(secret);
  TransferFullPlan plan;
  plan.transfer = spec.name;
  plan.target = service.name;
  plan.source = resolved.source_url.redacted;

  ApplyRequest up;
  up.service = service.name;
  for (const ServicePlan& each : preview_apply(project, {&service}, up).services) {
    // Copies: the plan outlives the project's revision list (forgotten after the schema
    // revision is written).
    for (const Revision* revision : each.revisions) plan.pending.push_back(*revision);
  }
  // A SQLite source into a target with none of the tables and nothing pending: the schema
  // is drafted from the source (a pending revision is taken to be the schema: `up` applies it).
  plan.tables = spec_tables(spec, resolved.source_tables);
  std::set<std::string> existing;
  for (const db::TableInfo& table : resolved.target_tables) existing.insert(table.name);
  const bool none_there = std::none_of(plan.tables.begin(), plan.tables.end(),
                                       [&](const PlannedTable& table) { return existing.count(table.target) != 0; });
  if (resolved.source_url.dialect == Dialect::sqlite && plan.pending.empty() && none_there && !plan.tables.empty()) {
    plan.schema = draft_schema_revision(project, spec, request.sample);
    plan.schema_version = next_revision_version(service);
    plan.tables.clear();
    for (const transfer::TableDecision& table : plan.schema->draft.tables) {
      const config::TableSpec* table_spec = spec.table(table.source);
      plan.tables.push_back({table.source, table.target,
                             table_spec != nullptr ? table_spec->on_conflict : config::OnConflict::error});
    }
  }
  plan.mapping_after_up = plan.schema || (!plan.pending.empty() && !resolved.mapping.problems.empty());
  if (!plan.mapping_after_up) {
    plan.tables.clear();
    for (const transfer::TableMapping& table : resolved.mapping.tables) {
      plan.tables.push_back({table.source, table.target, table.on_conflict});
    }
  }

  plan.preflight = preflight_resolved(resolved, false);
  if (plan.mapping_after_up) {
    // The target's tables do not exist yet, so the checks saw no mapped table: the source's
    // are counted here, and the mapping can only be checked against the tables `up` makes.
    std::int64_t rows = 0;
    for (const PlannedTable& table : plan.tables) {
      rows += std::stoll(
          resolved.source->query("SELECT count(*) FROM " + resolved.source->quote_name(table.source))[0][0].text);
    }
    for (transfer::PreflightCheck& check : plan.preflight) {
      if (check.name == "source") {
        check.detail = "readable: " + std::to_string(plan.tables.size()) + " tables, " + std::to_string(rows) + " rows";
      }
      if (check.name == "privileges" && check.ok && *check.ok) {
        check.detail = "the role may create the progress and staging tables; the copied tables are made by `up`, "
                       "as this role";
      }
    }
    transfer::PreflightCheck& mapping = plan.preflight.back();
    mapping.ok = std::nullopt;
    mapping.detail = plan.schema ? "the target's tables come from the schema revision drafted from the source: "
                                   "checked against them after `up`"
                                 : "the target's tables come from " + std::to_string(plan.pending.size()) +
                                       " pending revision(s): checked against them after `up`";
    mapping.fix.clear();
  }
  // Derived tables load after the copied ones, filled by their transfer steps.
  if (plan.mapping_after_up) {
    for (const config::DerivedSpec& derived : spec.derived) {
      plan.tables.push_back({"step:" + derived.step, derived.table, derived.on_conflict});
    }
  } else {
    for (const transfer::TableMapping& table : resolved.mapping.derived) {
      plan.tables.push_back({table.source, table.target, table.on_conflict});
    }
  }
  for (const transfer::PreflightCheck& check : plan.preflight) {
    if (check.ok && !*check.ok) ++plan.preflight_failed;
  }
  return plan;
}

// The confirmation's words (also audited): "run transfer … (…)".
std::string describe_plan(const TransferFullPlan& plan) {
  std::string what = "run transfer " + plan.transfer + " from " + plan.source + " into " + plan.target + " (";
  if (plan.schema) {
    what += "write revision " + format_version(*plan.schema_version) + "_" + schema_revision_name(plan.transfer) + ", ";
  }
  const std::size_t applied = plan.pending.size() + (plan.schema ? 1 : 0);
  if (applied > 0) what += "apply " + std::to_string(applied) + " revision(s), ";
  return what + "copy " + std::to_string(plan.tables.size()) + " table(s), validate)";
}

std::int64_t rows_written(const TransferRunResult& run) {
  std::int64_t rows = 0;
  for (const transfer::TableOutcome& table : run.tables) rows += table.progress.rows_written;
  return rows;
}

// The newest run of the transfer in the target (none: id 0).
transfer::RunRecord last_run(Project& project, const config::ServiceConfig& service, const std::string& transfer) {
  try {
    auto target = db::open_data_connection(project.url(service), true);
    const std::vector<transfer::RunRecord> runs = transfer::read_runs(*target, transfer, 1);
    if (!runs.empty()) return runs.front();
  } catch (const Error& e) {
    spdlog::debug("the transfer's last run: {}", e.what());
  }
  return {};
}

// The script a copy that failed left behind (run_transfer writes it before it rethrows),
// when the copy got as far as starting a run after `before`.
std::optional<std::filesystem::path> script_of_failed_run(Project& project, const config::ServiceConfig& service,
                                                          const std::string& transfer, std::int64_t before) {
  const transfer::RunRecord run = last_run(project, service, transfer);
  if (run.id <= before) return std::nullopt;
  const std::filesystem::path script =
      transfer::rollback_script_path(project.manifest().defaults.backup_dir, transfer, run.started_at, run.id);
  std::error_code ec;
  if (std::filesystem::exists(script, ec)) return script;
  return std::nullopt;
}

// Validation's verdict, kept with the run in migrate_transfer_runs so `transfer status` says it.
void record_validation(Project& project, const config::ServiceConfig& service, const TransferRunResult& run,
                       const std::string& outcome) {
  if (run.run_id == 0) return;
  try {
    auto target = db::open_data_connection(project.url(service), false);
    transfer::finish_run(*target, run.run_id, outcome, rows_written(run), rows_per_table(run.tables));
  } catch (const Error& e) {
    spdlog::warn("the run's validation could not be recorded in the target: {}", e.what());
  }
}

}  // namespace

TransferFullResult run_transfer_full(Operation& operation, const TransferFullRequest& request,
                                     const ShowFullPlan& show, transfer::CopyObserver& observer) {
  TransferFullResult result;
  audit::AuditEvent event;
  event.event = "transfer_full";
  const auto started = std::chrono::steady_clock::now();
  std::string stage = "preflight";
  const config::ServiceConfig* service = nullptr;
  operation.begin();
  try {
    Project& project = operation.project();
    const config::TransferSpec spec = select_transfer(request.selector, project.manifest());
    service = operation.select(spec.to).front();
    event.service = service->name;
    event.detail = spec.name;
    result.plan = make_plan(operation, request, spec, *service);
    event.detail = spec.name + " from " + result.plan.source;
    operation.record(event);
    if (result.plan.preflight_failed > 0) {
      std::vector<std::string> names;
      for (const transfer::PreflightCheck& check : result.plan.preflight) {
        if (check.ok && !*check.ok) names.push_back(check.name);
      }
      throw BlockedError(std::to_string(result.plan.preflight_failed) + " preflight check(s) failed (" +
                         util::join(names, ", ") + "): nothing was changed; `migrate transfer preflight " + spec.name +
                         "` shows each with its fix");
    }
    stage = "confirm";
    if (show) show(result.plan);
    if (!operation.confirm(describe_plan(result.plan), service->name)) {
      result.declined = true;
      event.detail += ": declined at the prompt, nothing was changed";
      operation.record(event);
      operation.finish_ok();
      return result;
    }
    result.done.push_back("preflight");

    if (result.plan.schema) {
      stage = "schema";
      SchemaRevision written = *result.plan.schema;
      write_drafted_revision(project, spec, written);
      result.schema = written;
      project.forget_revisions(*service);  // `up` must see the new files
      result.done.push_back("schema");
    }

    util::throw_if_interrupted();
    stage = "up";
    ApplyRequest up;
    up.service = service->name;
    up.backups.skip = request.no_backup;
    up.confirmed = true;
    result.up = apply(operation, up, nullptr);
    if (result.up->failure) throw StageFailed{*result.up->failure};
    result.done.push_back("up");

    util::throw_if_interrupted();
    stage = "run";
    transfer::CopyOptions copy = request.copy;
    if (copy.batch <= 0) copy.batch = spec.batch;
    copy.dry_run = false;
    const std::int64_t runs_before = last_run(project, *service, spec.name).id;
    try {
      result.run = run_transfer(operation, request.selector, copy, request.no_backup, observer, true);
    } catch (...) {
      result.rollback_script = script_of_failed_run(project, *service, spec.name, runs_before);
      throw;
    }
    result.rollback_script = result.run->rollback_script;
    result.done.push_back("run");

    util::throw_if_interrupted();
    stage = "validate";
    result.validation = validate_transfer(project, request.selector);
    std::size_t differ = 0;
    for (const transfer::TableCheck& check : result.validation) differ += check.ok() ? 0 : 1;
    record_validation(project, *service, *result.run,
                      differ == 0 ? "ok, validated"
                                  : "ok, validation failed: " + std::to_string(differ) + " table(s) differ");
    if (differ != 0) {
      throw BlockedError(std::to_string(differ) + " table(s) differ between source and target after the copy; " +
                         (result.rollback_script ? "undo it with the rollback script " + result.rollback_script->string()
                                                 : std::string("the copy inserted nothing to undo")) +
                         " (psql -f), or find the rows with `migrate transfer validate " + spec.name + "`");
    }
    result.done.push_back("validate");
  } catch (const StageFailed& failed) {
    result.failure = failed.failure;
    result.failed_stage = stage;
  } catch (...) {
    result.failure = current_failure();
    result.failed_stage = stage;
  }

  event.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  event.detail += ": " + (result.done.empty() ? std::string("nothing done") : util::join(result.done, ", ") + " done");
  if (result.failure) {
    event.ok = false;
    event.detail += "; stopped at " + result.failed_stage;
    event.error = result.failure->message;
    if (service != nullptr) {
      try {
        operation.record(event);
      } catch (const std::exception& e) {
        spdlog::warn("the audit log could not take the outcome: {}", e.what());
      }
    }
    operation.finish_failed(*result.failure);
    return result;
  }
  try {
    operation.record(event);
    operation.finish_ok();
  } catch (...) {
    // Everything was done, but the audit log could not say so: a failure all the same.
    result.failure = current_failure();
    result.failed_stage = "audit";
    operation.finish_failed(*result.failure);
  }
  return result;
}

}  // namespace migrate::orchestrate
