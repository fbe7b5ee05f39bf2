// The per-service run loop. Everything here happens while the lock is held.
#include "migrate/run/runner.hpp"

#include <algorithm>

#include "migrate/util/error.hpp"

namespace migrate::run {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds elapsed_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

}  // namespace

void check_runnable(const ServiceRevisions& service, const std::vector<AppliedRevision>& history,
                    bool allow_drift) {
  if (std::optional<AppliedRevision> dirty = plan::find_dirty(history)) {
    throw BlockedError("service '" + service.service + "' is dirty at revision " +
                       format_version(dirty->version) + "_" + dirty->name +
                       ", which stopped partway; fix the schema by hand, then run `migrate stamp " +
                       service.service + " <version>` to record where it really stands");
  }
  if (allow_drift) return;
  const std::vector<plan::Drift> drift = plan::check_drift(service.revisions, history);
  if (!drift.empty()) {
    std::string message = "service '" + service.service + "' has drift: " + drift.front().describe();
    if (drift.size() > 1) message += " (and " + std::to_string(drift.size() - 1) + " more)";
    throw BlockedError(message + "; see `migrate verify " + service.service +
                       "`, or pass --allow-drift");
  }
}

namespace {

db::HistoryRow history_row(const std::string& service, const Revision& revision,
                           const RunSettings& settings) {
  return {service, revision.version, revision.name, std::string(to_string(revision.kind)),
          revision.checksum, settings.applied_by, false};
}

// Runs one step, reporting it, and names the revision and file when the database refuses.
template <typename Body>
void run_step(const std::string& service, const Revision& revision, Direction direction,
              const std::string& file, RunObserver& observer, Body&& body) {
  observer.step_started(service, revision, direction);
  const auto started = Clock::now();
  try {
    body();
  } catch (const RevisionFailed& e) {
    observer.step_failed(service, revision, direction, e.what());
    throw RevisionFailed("service '" + service + "': revision " + revision.label() +
                             (direction == Direction::up ? "" : " (down)") + " failed in " + file +
                             ": " + e.what() + "; it was rolled back",
                         e.sqlstate());
  }
  observer.step_finished(service, revision, direction, elapsed_since(started));
}

}  // namespace

namespace {

// The shared shape of up and down: under the lock, read the history, check it, plan, then
// run each planned revision with `execute`, reporting every step.
template <typename Plan, typename Execute>
std::vector<Revision> run_plan(db::Driver& driver, const ServiceRevisions& service, Direction direction,
                               const RunSettings& settings, RunObserver& observer,
                               const BeforeChanges& before_changes, Plan&& make_plan, Execute&& execute) {
  LockGuard lock(driver, settings.lock, service.service, observer);
  const std::vector<AppliedRevision> history = driver.read_history(service.service);
  check_runnable(service, history, settings.allow_drift);
  std::vector<Revision> plan = make_plan(history);
  if (plan.empty()) return {};
  const auto started = Clock::now();
  observer.service_started(service.service, direction, plan.size());
  if (before_changes) before_changes();
  std::vector<Revision> done;
  for (Revision& revision : plan) {
    const RevisionScript& script = direction == Direction::up ? revision.up : *revision.down;
    run_step(service.service, revision, direction, script.path.string(), observer,
             [&] { execute(revision, script); });
    done.push_back(std::move(revision));
    lock.keep_alive();
  }
  observer.service_finished(service.service, direction, done.size(), elapsed_since(started));
  return done;
}

}  // namespace

std::vector<Revision> run_up(db::Driver& driver, const ServiceRevisions& service,
                             const plan::UpTarget& target, const RunSettings& settings,
                             RunObserver& observer, const BeforeChanges& before_changes) {
  return run_plan(
      driver, service, Direction::up, settings, observer, before_changes,
      [&](const std::vector<AppliedRevision>& history) {
        return plan::make_up_plan(service.service, service.revisions, history, target);
      },
      [&](const Revision& revision, const RevisionScript& script) {
        const db::HistoryRow row = history_row(service.service, revision, settings);
        if (revision.step == nullptr) return driver.apply(script.sql, row);
        driver.apply_step([&](step::Session& session) { revision.step->up(session); }, row);
      });
}

std::vector<Revision> run_down(db::Driver& driver, const ServiceRevisions& service,
                               const plan::DownTarget& target, const RunSettings& settings,
                               RunObserver& observer, const BeforeChanges& before_changes) {
  return run_plan(
      driver, service, Direction::down, settings, observer, before_changes,
      [&](const std::vector<AppliedRevision>& history) {
        return plan::make_down_plan(service.service, service.revisions, history, target);
      },
      [&](const Revision& revision, const RevisionScript& script) {
        if (revision.step == nullptr) return driver.revert(script.sql, service.service, revision.version);
        driver.revert_step([&](step::Session& session) { revision.step->down(session); }, service.service,
                           revision.version);
      });
}

StampResult run_stamp(db::Driver& driver, const ServiceRevisions& service, Version version,
                      const RunSettings& settings, RunObserver& observer) {
  const bool known = version == 0 || std::any_of(service.revisions.begin(), service.revisions.end(),
                                                 [&](const Revision& r) { return r.version == version; });
  if (!known) {
    throw UsageError("service '" + service.service + "' has no revision " + format_version(version));
  }
  LockGuard lock(driver, settings.lock, service.service, observer);
  const std::vector<AppliedRevision> history = driver.read_history(service.service);

  StampResult result;
  std::vector<db::HistoryRow> insert;
  for (const AppliedRevision& row : history) {
    if (row.version > version || row.dirty) result.removed.push_back(row.version);
  }
  for (const Revision& revision : service.revisions) {
    if (revision.version > version) break;
    const auto row = std::find_if(history.begin(), history.end(),
                                  [&](const AppliedRevision& r) { return r.version == revision.version; });
    if (row == history.end() || row->dirty) {
      insert.push_back(history_row(service.service, revision, settings));
      result.recorded.push_back(revision.version);
    }
  }
  driver.record_history(service.service, insert, result.removed);
  // A dirty row at or below the target was re-recorded clean, not removed.
  result.removed.erase(std::remove_if(result.removed.begin(), result.removed.end(),
                                      [&](Version v) { return v <= version; }),
                       result.removed.end());
  return result;
}

}  // namespace migrate::run
