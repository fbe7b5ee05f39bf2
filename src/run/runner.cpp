// The per-service run loop. Everything here happens while the lock is held.
#include "migrate/run/runner.hpp"

#include <algorithm>

#include "migrate/source/statement_lexer.hpp"
#include "migrate/util/duration.hpp"
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
    Version before = 0;
    for (const AppliedRevision& row : history) {
      if (row.version < dirty->version) before = row.version;
    }
    throw BlockedError("service '" + service.service + "' is dirty at revision " +
                       format_version(dirty->version) + "_" + dirty->name +
                       ": it ran outside a transaction and stopped partway; finish or undo it by hand, then run "
                       "`migrate repair " + service.service + "` if it is now fully applied, or `migrate stamp " +
                       service.service + " " + (before == 0 ? std::string("base") : format_version(before)) +
                       "` if it is fully undone");
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

// " (lock_timeout 5s)" when the error is that limit firing, so the report says which one.
std::string timeout_note(const RevisionFailed& e, const Timeouts& timeouts) {
  if (e.sqlstate() == "55P03" && timeouts.lock_timeout) {
    return "; it timed out waiting for a lock (lock_timeout " + util::format_duration(*timeouts.lock_timeout) + ")";
  }
  if (e.sqlstate() == "57014" && timeouts.statement_timeout) {
    return "; it timed out (statement_timeout " + util::format_duration(*timeouts.statement_timeout) + ")";
  }
  return "";
}

// Runs one step, reporting it, and names the revision, file and outcome when it fails.
template <typename Body>
void run_step(const std::string& service, const Revision& revision, Direction direction,
              const RevisionScript& script, const Timeouts& timeouts, RunObserver& observer, Body&& body) {
  observer.step_started(service, revision, direction);
  const auto started = Clock::now();
  try {
    body();
  } catch (const RevisionFailed& e) {
    observer.step_failed(service, revision, direction, e.what());
    const std::string failed = "service '" + service + "': revision " + revision.label() +
                               (direction == Direction::up ? "" : " (down)") + " failed in " +
                               script.path.string() + ": " + e.what() + timeout_note(e, timeouts);
    if (script.directives.no_transaction) {
      throw RevisionFailed(failed + "; it ran outside a transaction, so it is marked dirty: finish or undo it "
                                    "by hand, then `migrate repair " + service + "` or `migrate stamp`",
                           e.sqlstate());
    }
    throw RevisionFailed(failed + "; it was rolled back", e.sqlstate());
  }
  observer.step_finished(service, revision, direction, elapsed_since(started));
}

// Sends the statements of a no-transaction script one by one, refreshing the lock's
// heartbeat between them.
void run_statements(db::Driver& driver, const RevisionScript& script, LockGuard& lock) {
  const std::vector<source::Statement> statements = source::split_statements(script.sql, driver.dialect());
  const auto total = std::count_if(statements.begin(), statements.end(),
                                   [](const source::Statement& s) { return !s.blank; });
  long number = 0;
  for (const source::Statement& statement : statements) {
    if (statement.blank) continue;
    ++number;
    try {
      driver.execute_alone(statement.text, statement.line);
    } catch (const RevisionFailed& e) {
      throw RevisionFailed("statement " + std::to_string(number) + " of " + std::to_string(total) + ": " +
                               e.what() +
                               (number == 1 ? std::string()
                                            : "; the " + std::to_string(number - 1) +
                                                  " statement(s) before it stay applied"),
                           e.sqlstate());
    }
    lock.keep_alive();
  }
}

// A no-transaction up: the history row is written dirty first and made clean after the
// last statement, so a crash in between leaves the revision visibly half-done.
void apply_alone(db::Driver& driver, const RevisionScript& script, db::HistoryRow row, LockGuard& lock) {
  row.dirty = true;
  driver.record_history(row.service, {row}, {});
  const auto started = Clock::now();
  run_statements(driver, script, lock);
  driver.set_dirty(row.service, row.version, false, elapsed_since(started).count());
}

// A no-transaction down: the row turns dirty first and goes away after the last statement.
void revert_alone(db::Driver& driver, const RevisionScript& script, const std::string& service,
                  Version version, LockGuard& lock) {
  driver.set_dirty(service, version, true);
  run_statements(driver, script, lock);
  driver.record_history(service, {}, {version});
}

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
    const Timeouts timeouts = settings.timeouts.overridden_by(script.directives.timeouts);
    driver.set_timeouts(timeouts);
    run_step(service.service, revision, direction, script, timeouts, observer,
             [&] { execute(revision, script, lock); });
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
      [&](const Revision& revision, const RevisionScript& script, LockGuard& lock) {
        const db::HistoryRow row = history_row(service.service, revision, settings);
        if (revision.step != nullptr) {
          return driver.apply_step([&](step::Session& session) { revision.step->up(session); }, row);
        }
        if (script.directives.no_transaction) return apply_alone(driver, script, row, lock);
        driver.apply(script.sql, row);
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
      [&](const Revision& revision, const RevisionScript& script, LockGuard& lock) {
        if (revision.step != nullptr) {
          return driver.revert_step([&](step::Session& session) { revision.step->down(session); },
                                    service.service, revision.version);
        }
        if (script.directives.no_transaction) {
          return revert_alone(driver, script, service.service, revision.version, lock);
        }
        driver.revert(script.sql, service.service, revision.version);
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

RepairResult run_repair(db::Driver& driver, const ServiceRevisions& service, const RunSettings& settings,
                        RunObserver& observer) {
  LockGuard lock(driver, settings.lock, service.service, observer);
  const std::vector<AppliedRevision> history = driver.read_history(service.service);
  RepairResult result;
  std::vector<db::HistoryRow> rewrite;
  for (const AppliedRevision& row : history) {
    const auto on_disk = std::find_if(service.revisions.begin(), service.revisions.end(),
                                      [&](const Revision& r) { return r.version == row.version; });
    if (on_disk == service.revisions.end()) {
      result.missing.push_back(row.version);
      continue;
    }
    const db::HistoryRow wanted = history_row(service.service, *on_disk, settings);
    if (!row.dirty && row.checksum == wanted.checksum && row.name == wanted.name && row.kind == wanted.kind) {
      continue;
    }
    RepairResult::Change change{row.version, row.dirty, row.checksum != wanted.checksum || row.name != wanted.name ||
                                                            row.kind != wanted.kind};
    result.changes.push_back(change);
    rewrite.push_back(wanted);
  }
  if (!rewrite.empty()) driver.rewrite_history(rewrite);
  return result;
}

}  // namespace migrate::run
