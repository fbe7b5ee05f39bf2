// The up and down verbs: preview, confirm, back up, run under the lock, report.
#include "migrate/orchestrate/apply.hpp"

#include <algorithm>

#include "migrate/orchestrate/history_edit.hpp"
#include "orchestrate/run_recorder.hpp"

namespace migrate::orchestrate {

std::size_t Preview::total() const {
  std::size_t count = 0;
  for (const ServicePlan& plan : services) count += plan.revisions.size();
  return count;
}

Preview preview_apply(Project& project, const std::vector<const config::ServiceConfig*>& services,
                      const ApplyRequest& request) {
  Preview preview{run::Direction::up, {}};
  for (const config::ServiceConfig* service : services) {
    const ServiceRevisions& revisions = project.revisions(*service);
    db::Driver& driver = project.driver(*service);
    const auto history = driver.history().read(service->name);
    const bool excused = run::check_runnable_unlocked(driver, revisions, history, request.allow_drift);
    preview.services.push_back({service, project.url(*service).redacted,
                                plan::make_up_plan(service->name, revisions.revisions, history, request.target),
                                excused});
  }
  return preview;
}

Preview preview_rollback(Project& project, const config::ServiceConfig& service, const RollbackRequest& request) {
  const ServiceRevisions& revisions = project.revisions(service);
  db::Driver& driver = project.driver(service);
  const auto history = driver.history().read(service.name);
  // A dirty row let pass here is still in the history, so the plan is never empty for
  // it and the locked run checks it again.
  (void)run::check_runnable_unlocked(driver, revisions, history, request.allow_drift);
  Preview preview{run::Direction::down, {}};
  preview.services.push_back({&service, project.url(service).redacted,
                              plan::make_down_plan(service.name, revisions.revisions, history, request.target),
                              false});
  return preview;
}

namespace {

// Runs one service of a run: (service, its revisions, observer, before_changes).
using RunService = std::function<void(const config::ServiceConfig&, const ServiceRevisions&,
                                      run::RunObserver&, const run::BeforeChanges&)>;

// The frame both verbs share. `make_preview` reads the plan, `what` words the
// confirmation; every service of the preview then runs through `run_service`.
RunReport run_audited(Operation& operation, const std::function<Preview()>& make_preview,
                      const std::function<std::string(const Preview&)>& what, const std::string& confirm_service,
                      const RunBackups::Options& backup_options, const ShowPreview& show, bool confirmed,
                      const RunService& run_service) {
  RunReport report;
  RunRecorder recorder;
  // The recorder first: it never throws, and the audit observer may throw after a commit
  // (its line could not be written); the report must still list what committed.
  run::ObserverList observers;
  observers.add(recorder);
  observers.add(operation.observer());
  Preview preview;
  operation.begin();
  try {
    preview = make_preview();
    const bool unsettled = std::any_of(preview.services.begin(), preview.services.end(),
                                       [](const ServicePlan& plan) { return plan.needs_locked_check; });
    if (preview.total() == 0 && !unsettled) {
      operation.finish_ok();
      return report;
    }
    if (preview.total() != 0 && !confirmed) {
      if (show) show(preview);
      if (!operation.confirm(what(preview), confirm_service)) {
        report.outcome = RunReport::Outcome::declined;
        operation.finish_ok();
        return report;
      }
    }
    RunBackups backups(operation.project(), operation.audit(), backup_options);
    for (const ServicePlan& plan : preview.services) {
      const config::ServiceConfig& service = *plan.service;
      run_service(service, operation.project().revisions(service), observers,
                  [&] { backups.before_changes(service); });
    }
    report.outcome = RunReport::Outcome::done;
  } catch (...) {
    report.failure = current_failure();
    report.outcome = RunReport::Outcome::failed;
  }
  const bool stopped = report.failure.has_value();
  for (const ServicePlan& plan : preview.services) {
    ServiceReport service{plan.service->name, plan.database, {}, {}, {}, {}};
    recorder.fill(service, plan.revisions, stopped);
    report.services.push_back(std::move(service));
  }
  if (stopped) {
    operation.finish_failed(*report.failure);
    return report;
  }
  try {
    operation.finish_ok();
  } catch (...) {
    // Everything committed, but the audit log could not say so: a failure all the same.
    report.failure = current_failure();
    report.outcome = RunReport::Outcome::failed;
  }
  return report;
}

}  // namespace

RunReport apply(Operation& operation, const ApplyRequest& given, const ShowPreview& show) {
  ApplyRequest request = given;
  if (request.target.to || request.target.step) {
    request.service = sole_service(operation.project().manifest(), request.service, "up --to/--step");
  }
  const auto services = operation.select(request.service);
  return run_audited(
      operation, [&] { return preview_apply(operation.project(), services, request); },
      [](const Preview& preview) { return "apply " + std::to_string(preview.total()) + " revision(s)"; },
      request.service, request.backups, show, request.confirmed,
      [&](const config::ServiceConfig& service, const ServiceRevisions& revisions, run::RunObserver& observer,
          const run::BeforeChanges& before_changes) {
        run::RunSettings settings = operation.settings();
        settings.allow_drift = request.allow_drift;
        run::run_up(operation.project().driver(service), revisions, request.target, settings, observer,
                    before_changes);
      });
}

RunReport rollback(Operation& operation, const RollbackRequest& given, const ShowPreview& show) {
  RollbackRequest request = given;
  request.service = sole_service(operation.project().manifest(), request.service, "down");
  const config::ServiceConfig& service = *operation.select(request.service).front();
  return run_audited(
      operation, [&] { return preview_rollback(operation.project(), service, request); },
      [&](const Preview& preview) {
        return "roll back " + std::to_string(preview.total()) + " revision(s) of " + service.name;
      },
      service.name, request.backups, show, false,
      [&](const config::ServiceConfig& target, const ServiceRevisions& revisions, run::RunObserver& observer,
          const run::BeforeChanges& before_changes) {
        run::RunSettings settings = operation.settings();
        settings.allow_drift = request.allow_drift;
        run::run_down(operation.project().driver(target), revisions, request.target, settings, observer,
                      before_changes);
      });
}

}  // namespace migrate::orchestrate
