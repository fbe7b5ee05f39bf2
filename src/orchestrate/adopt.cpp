// `adopt`: read another tool's history, reconcile it with the files, and record what it
// applied as migrate's history, under the lock, in one transaction, audited.
#include "migrate/orchestrate/adopt.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "migrate/adopt/drizzle_folder.hpp"
#include "migrate/run/lock_guard.hpp"
#include "migrate/step/step.hpp"
#include "migrate/util/error.hpp"

namespace migrate::orchestrate {

namespace {

// --journal names drizzle-kit's out folder or its meta/_journal.json.
std::filesystem::path journal_root(const std::filesystem::path& journal) {
  return journal.filename() == "_journal.json" ? journal.parent_path().parent_path() : journal;
}

// Reads both histories and reconciles them; throws BlockedError when the tool's table is
// missing, or when refused unless `dry_run`.
adopt::Reconciliation reconcile_now(db::Driver& driver, const ServiceRevisions& revisions, const AdoptRequest& request,
                                    const adopt::AlembicMap& alembic, std::string& table, bool dry_run) {
  const adopt::ForeignHistory history = adopt::read_foreign_history(driver, request.tool);
  if (!history.found) {
    throw BlockedError("no " + std::string(adopt::tool_name(request.tool)) + " history in the database of " +
                       request.service + " (looked for " + history.table +
                       "): nothing to adopt; for a database without any history use `migrate stamp`");
  }
  table = history.table;
  std::map<std::int64_t, Version> journal;
  if (request.journal) {
    if (request.tool != adopt::Tool::drizzle) throw UsageError("--journal is for --from drizzle");
    for (const adopt::DrizzleMigration& migration :
         adopt::read_drizzle_folder(journal_root(*request.journal)).migrations) {
      if (migration.when != 0) journal[migration.when] = migration.version;
    }
  }
  adopt::Reconciliation reconciliation =
      adopt::reconcile(history, revisions.revisions, driver.history().read(request.service), journal, alembic);
  if (!reconciliation.refused.empty() && !dry_run) {
    throw BlockedError("cannot adopt " + request.service + " from " + std::string(adopt::tool_name(request.tool)) +
                       "; nothing was written:" + describe_refusals(reconciliation));
  }
  return reconciliation;
}

// Drops the tool's history table once migrate's history has all it records.
AdoptReport& finalize(Operation& operation, db::Driver& driver, const AdoptRequest& request, AdoptReport& report) {
  if (!report.reconciliation.matched.empty()) {
    throw BlockedError("cannot finalize " + request.service + ": " +
                       std::to_string(report.reconciliation.matched.size()) + " revision(s) " +
                       std::string(adopt::tool_name(request.tool)) + " applied are not in migrate's history yet; run " +
                       "`migrate adopt " + request.service + " --from " + std::string(adopt::tool_name(request.tool)) +
                       "` first; nothing was dropped");
  }
  if (request.dry_run) return report;
  if (!operation.confirm("drop " + report.table + " (" + std::string(adopt::tool_name(request.tool)) +
                             "'s history) from " + report.database +
                             "; migrate's history has every revision it records",
                         request.service)) {
    report.declined = true;
    return report;
  }
  run::LockGuard lock(driver, operation.settings().lock, request.service, operation.observer());
  driver.transact([&](step::Session& session) { session.execute("DROP TABLE " + report.table); });
  report.finalized = true;
  audit::AuditEvent event;
  event.event = "adopt_finalize";
  event.service = request.service;
  event.detail = "dropped " + report.table + ", " + std::string(adopt::tool_name(request.tool)) + "'s history";
  operation.record(event);
  return report;
}

}  // namespace

std::string describe_refusals(const adopt::Reconciliation& reconciliation) {
  std::string text;
  for (const adopt::Reconciliation::Refusal& refusal : reconciliation.refused) {
    text += "\n  " + refusal.what + ": " + refusal.reason;
  }
  return text;
}

AdoptReport adopt_history(Operation& operation, const AdoptRequest& request) {
  const config::ServiceConfig& service = *operation.select(request.service).front();
  return operation.audited([&] {
    Project& project = operation.project();
    const ServiceRevisions& revisions = project.revisions(service);
    const config::DatabaseUrl& url = project.url(service);
    AdoptReport report{service.name, url.redacted, {}, {}, false};
    // A journal drizzle-kit wrote for the other dialect describes another database.
    if (request.journal && request.tool == adopt::Tool::drizzle) {
      adopt::check_drizzle_dialect(adopt::read_drizzle_folder(journal_root(*request.journal)), url.dialect,
                                   "the database of " + service.name + " (" + url.redacted + ")");
    }
    // Opening a SQLite file that is not there would create it: there is nothing to adopt.
    if (url.dialect == Dialect::sqlite && !std::filesystem::exists(url.sqlite_path)) {
      throw BlockedError("no database at " + url.redacted + ": nothing to adopt");
    }
    db::Driver& driver = project.driver(service);
    AdoptRequest named = request;
    named.service = service.name;
    if (request.map && request.tool != adopt::Tool::alembic) throw UsageError("--map is for --from alembic");
    adopt::AlembicMap alembic;
    if (request.tool == adopt::Tool::alembic) {
      alembic = adopt::read_alembic_map(request.map.value_or(service.migrations_dir / adopt::k_alembic_map_file));
    }
    report.reconciliation = reconcile_now(driver, revisions, named, alembic, report.table, request.dry_run);
    if (request.finalize) return finalize(operation, driver, named, report);
    if (request.dry_run || report.reconciliation.matched.empty()) return report;

    run::LockGuard lock(driver, operation.settings().lock, service.name, operation.observer());
    // Under the lock: what another runner did meanwhile counts.
    report.reconciliation = reconcile_now(driver, revisions, named, alembic, report.table, false);
    std::vector<HistoryRow> rows;
    for (const adopt::Reconciliation::Match& match : report.reconciliation.matched) {
      const auto revision = std::find_if(revisions.revisions.begin(), revisions.revisions.end(),
                                         [&](const Revision& r) { return r.version == match.version; });
      HistoryRow row{service.name,
                     revision->version,
                     revision->name,
                     std::string(to_string(revision->kind)),
                     revision->checksum,
                     operation.settings().applied_by,
                     false,
                     match.applied_at};
      rows.push_back(std::move(row));
    }
    if (rows.empty()) return report;
    driver.history().record(service.name, rows, {});
    report.recorded = true;
    for (const adopt::Reconciliation::Match& match : report.reconciliation.matched) {
      audit::AuditEvent event;
      event.event = "adopt";
      event.service = service.name;
      event.version = match.version;
      event.detail = "recorded as applied by " + std::string(adopt::tool_name(request.tool)) + " (matched by " +
                     match.how + " in " + report.table + ")";
      operation.record(event);
    }
    return report;
  });
}

}  // namespace migrate::orchestrate
