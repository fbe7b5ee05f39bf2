// The per-service run loop. Everything here happens while the lock is held.
#include "migrate/run/runner.hpp"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "migrate/plan/gate.hpp"
#include "migrate/plan/history_changes.hpp"
#include "migrate/source/revision_directory.hpp"
#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"

namespace migrate::run {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds elapsed_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

}  // namespace

std::string dirty_advice(const std::string& service, Version version, const std::vector<AppliedRevision>& history) {
  return plan::dirty_advice(service, version, history);
}

void check_runnable(const ServiceRevisions& service, const std::vector<AppliedRevision>& history,
                    bool allow_drift) {
  if (auto reason = plan::blocked_reason(service.service, service.revisions, history, allow_drift)) {
    throw BlockedError(*reason);
  }
}

bool check_runnable_unlocked(db::Driver& driver, const ServiceRevisions& service,
                             std::vector<AppliedRevision> history, bool allow_drift) {
  // A live holder (PostgreSQL: its session lock is held; SQLite: its row is there, maybe
  // stale) may be running that revision right now.
  bool excused = false;
  if (plan::find_dirty(history) && driver.lock().read() && driver.lock().session_alive().value_or(true)) {
    for (AppliedRevision& row : history) row.dirty = false;
    excused = true;
  }
  check_runnable(service, history, allow_drift);
  return excused;
}

namespace {

HistoryRow history_row(const std::string& service, const Revision& revision,
                           const RunSettings& settings) {
  return {service, revision.version, revision.name, std::string(to_string(revision.kind)),
          revision.checksum, settings.applied_by, false, {}};
}

// "; it timed out (lock_timeout 5s)" when the error is that limit firing.
std::string timeout_note(const std::string& sqlstate, const Timeouts& timeouts) {
  if (sqlstate == "55P03" && timeouts.lock_timeout) {
    return "; it timed out waiting for a lock (lock_timeout " + util::format_duration(*timeouts.lock_timeout) + ")";
  }
  if (sqlstate == "57014" && timeouts.statement_timeout) {
    return "; it timed out (statement_timeout " + util::format_duration(*timeouts.statement_timeout) + ")";
  }
  return "";
}

// A failure after a no-transaction revision's history row was marked dirty: the cause,
// with its exit code and SQLSTATE.
class LeftDirty : public Error {
 public:
  LeftDirty(ExitCode code, const std::string& message, std::string sqlstate)
      : Error(code, message), m_sqlstate(std::move(sqlstate)) {}
  const std::string& sqlstate() const noexcept { return m_sqlstate; }

 private:
  std::string m_sqlstate;
};

// Runs body, turning whatever it throws into LeftDirty.
template <typename Body>
void dirty_on_error(Body&& body) {
  try {
    body();
  } catch (const RevisionFailed& e) {
    throw LeftDirty(e.code(), e.what(), e.sqlstate());
  } catch (const Error& e) {
    throw LeftDirty(e.code(), e.what(), {});
  }
}

// Runs body, the work of one revision, and names the revision, file and outcome when it
// fails. `advice` says what to do about a revision left dirty.
template <typename Body>
void fail_named(const std::string& service, const Revision& revision, Direction direction,
                const RevisionScript& script, const Timeouts& timeouts, RunObserver& observer,
                const std::function<std::string()>& advice, Body&& body) {
  const std::string failed = "service '" + service + "': revision " + revision.label() +
                             (direction == Direction::up ? "" : " (down)") + " failed in " + script.path.string() +
                             ": ";
  try {
    body();
  } catch (const LeftDirty& e) {
    // A statement our interrupt cancelled (or any failure while we stop): run_plan
    // reports the interrupt instead.
    if (util::interrupt_signal() != 0) throw;
    observer.step_failed(service, revision, direction, e.what());
    const std::string message = failed + e.what() + timeout_note(e.sqlstate(), timeouts) +
                                "; it ran outside a transaction, so it is left dirty: " + advice();
    if (e.code() == ExitCode::failed) throw RevisionFailed(message, e.sqlstate());
    throw Error(e.code(), message);
  } catch (const RevisionFailed& e) {
    if (util::interrupt_signal() != 0) throw;
    observer.step_failed(service, revision, direction, e.what());
    throw RevisionFailed(failed + e.what() + timeout_note(e.sqlstate(), timeouts) +
                             (script.directives.no_transaction ? "; none of it ran" : "; it was rolled back"),
                         e.sqlstate());
  }
}

// Runs one step alone, reporting it.
template <typename Body>
void run_step(const std::string& service, const Revision& revision, Direction direction,
              const RevisionScript& script, const Timeouts& timeouts, RunObserver& observer,
              const std::function<std::string()>& advice, Body&& body) {
  observer.step_started(service, revision, direction);
  const auto started = Clock::now();
  fail_named(service, revision, direction, script, timeouts, observer, advice, std::forward<Body>(body));
  observer.step_finished(service, revision, direction, elapsed_since(started));
}

// A no-transaction up: the history row is written dirty first and made clean after the
// last statement, so a crash in between leaves the revision visibly half-done.
void apply_alone(db::Driver& driver, const std::string& sql, HistoryRow row, LockGuard& lock) {
  row.dirty = true;
  driver.history().record(row.service, {row}, {});
  const auto started = Clock::now();
  dirty_on_error([&] {
    driver.execute_each(sql, [&] { lock.keep_alive(); });
    driver.history().set_dirty(row.service, row.version, false, elapsed_since(started).count());
  });
}

// A no-transaction down: the row turns dirty first and goes away after the last statement.
void revert_alone(db::Driver& driver, const std::string& sql, const std::string& service, Version version,
                  LockGuard& lock) {
  driver.history().set_dirty(service, version, true);
  dirty_on_error([&] {
    driver.execute_each(sql, [&] { lock.keep_alive(); });
    driver.history().record(service, {}, {version});
  });
}

// Consecutive transactional SQL revisions go to the driver in batches (on PostgreSQL one
// round trip each), sized by plan::BatchSizer.

const RevisionScript& script_of(const Revision& revision, Direction direction) {
  return direction == Direction::up ? revision.up : *revision.down;
}

// The one line an interrupted run ends with: what was stopped, in what state, and what of
// the service had committed before.
std::string interrupted_message(db::Driver& driver, const ServiceRevisions& service, Direction direction, int signal,
                                bool backed_up, const Revision* running, const std::vector<const Revision*>& done) {
  const bool up = direction == Direction::up;
  std::string message = std::string("interrupted by ") + util::signal_name(signal) + ": service '" +
                        service.service + "': ";
  if (running == nullptr) {
    message += !backed_up     ? "stopped during the backup, before any change"
               : done.empty() ? "stopped before its first revision ran"
                              : "stopped between two revisions";
  } else if (running->step == nullptr && script_of(*running, direction).directives.no_transaction) {
    // Its row tells whether it got as far as being marked dirty.
    std::vector<AppliedRevision> history;
    bool dirty = true;
    try {
      history = driver.history().read(service.service);
      const auto row = std::find_if(history.begin(), history.end(),
                                    [&](const AppliedRevision& r) { return r.version == running->version; });
      dirty = row != history.end() && row->dirty;
    } catch (const Error&) {
    }
    message += "revision " + running->label() + (up ? "" : " (down)") +
               (dirty ? " ran outside a transaction and was stopped partway, so it is left dirty: " +
                            dirty_advice(service.service, running->version, history)
                      : " was stopped before it ran; it is " + std::string(up ? "not applied" : "still applied"));
  } else {
    message += "revision " + running->label() + (up ? " was cancelled and rolled back; it is not applied"
                                                    : " (down) was cancelled and rolled back; it stays applied");
  }
  if (done.empty()) return message + "; nothing had " + (up ? "been applied" : "been rolled back") + " before it";
  message += up ? "; applied before it (committed): " : "; rolled back before it (committed): ";
  for (std::size_t i = 0; i < done.size(); ++i) message += (i == 0 ? "" : ", ") + done[i]->label();
  return message;
}

// The SQL of a revision about to run. A script loaded without its text
// (source::LoadOptions::keep_text) is read into `storage` now, refusing a file changed
// since the run was planned; the revisions themselves stay as loaded (the plan points at
// them), and the text goes when its batch is done.
const std::string& read_text(const Revision& revision, Direction direction, std::string& storage) {
  const RevisionScript& script = script_of(revision, direction);
  if (script.deferred && revision.step == nullptr && script.sql.empty()) {
    storage = source::read_script_text(script);
    return storage;
  }
  return script.sql;
}

bool batchable(const Revision& revision, Direction direction) {
  return revision.step == nullptr && !script_of(revision, direction).directives.no_transaction;
}

// The loop of run_plan: runs the plan, moving each revision that committed into done.
// `running` names the revision in flight (nullptr between revisions), `running_since`
// when it started.
template <typename Execute>
void run_revisions(db::Driver& driver, const ServiceRevisions& service, Direction direction,
                   const RunSettings& settings, RunObserver& observer, const std::vector<AppliedRevision>& history,
                   LockGuard& lock, const std::vector<const Revision*>& plan, std::vector<const Revision*>& done,
                   const Revision*& running, Clock::time_point& running_since, Execute&& execute) {
  // The driver may serve other services next: leave it without this run's timeouts.
  struct ClearTimeouts {
    db::Driver& driver;
    ~ClearTimeouts() { driver.set_timeouts({}); }
  } clear_timeouts{driver};
  const auto advice_for = [&](Version version) {
    return [&, version] {
      try {
        return dirty_advice(service.service, version, driver.history().read(service.service));
      } catch (const Error&) {
        return dirty_advice(service.service, version, history);
      }
    };
  };
  const auto timeouts_of = [&](const Revision& revision) {
    return settings.timeouts.overridden_by(script_of(revision, direction).directives.timeouts);
  };

  plan::BatchSizer sizer;
  // The texts of the batch in flight, by position in it: only one batch's SQL (at most
  // BatchSizer::k_max_bytes, or one revision) is in memory at a time.
  std::vector<std::string> storage;
  std::vector<const std::string*> texts;
  for (std::size_t next = 0; next < plan.size();) {
    running = nullptr;
    util::throw_if_interrupted();  // a signal that came between two revisions
    running = plan[next];
    running_since = Clock::now();
    std::size_t end = next;
    std::size_t bytes = 0;
    storage.clear();  // the last batch's texts go (assigning "" would keep their buffers)
    storage.resize(std::min(sizer.limit(), plan.size() - next) + 1);
    texts.clear();
    texts.push_back(&read_text(*plan[next], direction, storage[0]));
    while (end < plan.size() && batchable(*plan[end], direction) && end - next < sizer.limit()) {
      const std::string* text = texts.back();
      if (end > next) {
        try {
          text = &read_text(*plan[end], direction, storage[end - next]);
        } catch (const BlockedError&) {
          break;  // the batch ends before it: those before it run, then it is refused
        }
      }
      if (!sizer.may_add(end - next, bytes, text->size())) break;
      if (end > next) texts.push_back(text);
      bytes += text->size();
      ++end;
    }
    const auto batch_started = Clock::now();
    if (end - next <= 1) {
      const Revision& revision = *plan[next];
      const RevisionScript& script = script_of(revision, direction);
      const std::string& sql = *texts.front();
      const Timeouts timeouts = timeouts_of(revision);
      driver.set_timeouts(timeouts);
      run_step(service.service, revision, direction, script, timeouts, observer, advice_for(revision.version),
               [&] { execute(revision, sql, lock); });
      running = nullptr;
      done.push_back(&revision);
      ++next;
    } else {
      std::vector<BatchStep> steps;
      for (std::size_t i = next; i < end; ++i) {
        const Revision& revision = *plan[i];
        steps.push_back({*texts[i - next], history_row(service.service, revision, settings), timeouts_of(revision)});
        observer.step_started(service.service, revision, direction);
      }
      const BatchOutcome outcome = driver.run_batch(
          direction == Direction::up ? BatchKind::apply : BatchKind::revert, steps);
      std::vector<FinishedStep> finished;
      for (std::size_t i = 0; i < outcome.committed.size(); ++i) {
        finished.push_back({plan[next + i], outcome.committed[i]});
      }
      if (!finished.empty()) observer.steps_finished(service.service, finished, direction);
      running = next + outcome.committed.size() < plan.size() ? plan[next + outcome.committed.size()] : nullptr;
      for (std::size_t i = 0; i < outcome.committed.size(); ++i) done.push_back(plan[next + i]);
      if (outcome.lost) std::rethrow_exception(outcome.lost);
      if (outcome.error && outcome.failed_at == outcome.committed.size()) {
        const Revision& revision = *plan[next + outcome.failed_at];
        fail_named(service.service, revision, direction, script_of(revision, direction), timeouts_of(revision),
                   observer, advice_for(revision.version), [&] { throw *outcome.error; });
      }
      running = nullptr;
      next += outcome.committed.size();
      if (outcome.error) {
        // The server refused the whole batch for a later revision's syntax: the ones
        // before that revision did not run and go again, in a batch that ends there.
        sizer.refused_at(outcome.failed_at - outcome.committed.size());
        continue;
      }
    }
    sizer.finished(elapsed_since(batch_started));
    lock.keep_alive();
  }
  running = nullptr;
}

// The shared shape of up and down: under the lock, read the history, check it, plan, then
// run the planned revisions, alone with `execute` or in batches, reporting every step.
template <typename Plan, typename Execute>
std::vector<RevisionRef> run_plan(db::Driver& driver, const ServiceRevisions& service, Direction direction,
                               const RunSettings& settings, RunObserver& observer,
                               const BeforeChanges& before_changes, Plan&& make_plan, Execute&& execute) {
  LockGuard lock(driver, settings.lock, service.service, observer);
  const std::vector<AppliedRevision> history = driver.history().read(service.service);
  check_runnable(service, history, settings.allow_drift);
  const std::vector<const Revision*> plan = make_plan(history);
  if (plan.empty()) return {};
  const auto started = Clock::now();
  observer.service_started(service.service, direction, plan.size());
  std::vector<const Revision*> done;
  done.reserve(plan.size());
  const Revision* running = nullptr;  // the revision (or first of the batch) in flight
  auto running_since = started;
  bool backed_up = false;
  try {
    if (before_changes) before_changes();
    backed_up = true;
    run_revisions(driver, service, direction, settings, observer, history, lock, plan, done, running, running_since,
                  std::forward<Execute>(execute));
  } catch (const Error&) {
    const int signal = util::interrupt_signal();
    if (signal == 0) throw;
    observer.interrupted(service.service, running, direction, signal, elapsed_since(running_since));
    throw Interrupted(signal, interrupted_message(driver, service, direction, signal, backed_up, running, done));
  }
  observer.service_finished(service.service, direction, done.size(), elapsed_since(started));
  std::vector<RevisionRef> refs;
  refs.reserve(done.size());
  for (const Revision* revision : done) refs.push_back({revision->version, revision->name});
  return refs;
}

}  // namespace

std::vector<RevisionRef> run_up(db::Driver& driver, const ServiceRevisions& service,
                             const plan::UpTarget& target, const RunSettings& settings,
                             RunObserver& observer, const BeforeChanges& before_changes) {
  return run_plan(
      driver, service, Direction::up, settings, observer, before_changes,
      [&](const std::vector<AppliedRevision>& history) {
        std::vector<const Revision*> plan = plan::make_up_plan(service.service, service.revisions, history, target);
        for (const Revision* revision : plan) {
          if (revision->no_op) {
            spdlog::warn("service '{}': revision {} has no statements ({} is empty or only comments): it is "
                         "recorded as applied and runs nothing",
                         service.service, revision->label(), revision->up.path.string());
          }
        }
        return plan;
      },
      [&](const Revision& revision, const std::string& sql, LockGuard& lock) {
        const HistoryRow row = history_row(service.service, revision, settings);
        if (revision.step != nullptr) {
          return driver.apply_step([&](step::Session& session) { revision.step->up(session); }, row);
        }
        if (revision.up.directives.no_transaction) return apply_alone(driver, sql, row, lock);
        driver.apply(sql, row);
      });
}

std::vector<RevisionRef> run_down(db::Driver& driver, const ServiceRevisions& service,
                               const plan::DownTarget& target, const RunSettings& settings,
                               RunObserver& observer, const BeforeChanges& before_changes) {
  return run_plan(
      driver, service, Direction::down, settings, observer, before_changes,
      [&](const std::vector<AppliedRevision>& history) {
        return plan::make_down_plan(service.service, service.revisions, history, target);
      },
      [&](const Revision& revision, const std::string& sql, LockGuard& lock) {
        if (revision.step != nullptr) {
          return driver.revert_step([&](step::Session& session) { revision.step->down(session); },
                                    service.service, revision.version);
        }
        if (revision.down->directives.no_transaction) {
          return revert_alone(driver, sql, service.service, revision.version, lock);
        }
        driver.revert(sql, service.service, revision.version);
      });
}

StampResult run_stamp(db::Driver& driver, const ServiceRevisions& service, std::optional<Version> target,
                      const RunSettings& settings, RunObserver& observer) {
  plan::check_stamp_target(service.service, service.revisions, target);
  LockGuard lock(driver, settings.lock, service.service, observer);
  const plan::StampChanges changes =
      plan::make_stamp_changes(service.revisions, driver.history().read(service.service), target);
  StampResult result;
  std::vector<HistoryRow> insert;
  for (const Revision* revision : changes.record) {
    insert.push_back(history_row(service.service, *revision, settings));
    result.recorded.push_back(revision->version);
  }
  driver.history().record(service.service, insert, changes.remove);
  result.removed = changes.unapplied;
  return result;
}

RepairResult run_repair(db::Driver& driver, const ServiceRevisions& service, const RunSettings& settings,
                        RunObserver& observer) {
  LockGuard lock(driver, settings.lock, service.service, observer);
  const plan::RepairChanges changes =
      plan::make_repair_changes(service.revisions, driver.history().read(service.service));
  RepairResult result;
  result.missing = changes.missing;
  std::vector<HistoryRow> rewrite;
  for (const plan::RepairChange& change : changes.changes) {
    result.changes.push_back({change.revision->version, change.was_dirty, change.rerecorded});
    rewrite.push_back(history_row(service.service, *change.revision, settings));
  }
  if (!rewrite.empty()) driver.history().rewrite(rewrite);
  return result;
}

}  // namespace migrate::run
