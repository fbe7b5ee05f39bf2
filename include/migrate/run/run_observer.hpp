// Events of a run, for progress output now and the audit log later.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "migrate/model/lock_info.hpp"
#include "migrate/model/revision.hpp"

namespace migrate::run {

enum class Direction { up, down };

/// A revision that finished, and how long it took.
struct FinishedStep {
  const Revision* revision;
  std::chrono::milliseconds elapsed;
};

/// Receives the events of a run. Every method has an empty default; an observer that
/// throws aborts the run (the audit log relies on that: no entry, no change).
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  /// Under the lock, after planning: `planned` revisions are about to run.
  virtual void service_started(const std::string& /*service*/, Direction /*direction*/,
                               std::size_t /*planned*/) {}
  virtual void service_finished(const std::string& /*service*/, Direction /*direction*/,
                                std::size_t /*done*/, std::chrono::milliseconds /*elapsed*/) {}
  virtual void lock_waiting(const std::string& /*service*/, const LockInfo& /*holder*/) {}
  virtual void lock_broken(const std::string& /*service*/, const LockInfo& /*dead*/) {}
  /// A revision is about to run. Revisions run together in one batch are all started
  /// before the batch is sent; after a failure in it, those it did not reach get no
  /// step_finished or step_failed.
  virtual void step_started(const std::string& /*service*/, const Revision& /*revision*/,
                            Direction /*direction*/) {}
  virtual void step_finished(const std::string& /*service*/, const Revision& /*revision*/,
                             Direction /*direction*/, std::chrono::milliseconds /*elapsed*/) {}
  virtual void step_failed(const std::string& /*service*/, const Revision& /*revision*/,
                           Direction /*direction*/, const std::string& /*error*/) {}
  /// SIGINT or SIGTERM stopped the run of service: `revision` is the one that was running
  /// (cancelled and rolled back, or left dirty when it ran outside a transaction), nullptr
  /// when none was (between revisions, during the backup); `elapsed` since it started (or
  /// since the service's run started). The revisions that committed before it were
  /// reported as finished. The run goes on to throw Interrupted.
  virtual void interrupted(const std::string& /*service*/, const Revision* /*revision*/, Direction /*direction*/,
                           int /*signal*/, std::chrono::milliseconds /*elapsed*/) {}
  /// Several revisions finished together (one batch), in order. By default, step_finished
  /// for each; an observer that can do the work once for all of them overrides it.
  virtual void steps_finished(const std::string& service, const std::vector<FinishedStep>& steps,
                              Direction direction) {
    for (const FinishedStep& step : steps) step_finished(service, *step.revision, direction, step.elapsed);
  }
};

/// Forwards every event to each observer added, in order.
class ObserverList final : public RunObserver {
 public:
  void add(RunObserver& observer) { m_observers.push_back(&observer); }

  void service_started(const std::string& service, Direction direction, std::size_t planned) override {
    for (RunObserver* o : m_observers) o->service_started(service, direction, planned);
  }
  void service_finished(const std::string& service, Direction direction, std::size_t done,
                        std::chrono::milliseconds elapsed) override {
    for (RunObserver* o : m_observers) o->service_finished(service, direction, done, elapsed);
  }
  void lock_waiting(const std::string& service, const LockInfo& holder) override {
    for (RunObserver* o : m_observers) o->lock_waiting(service, holder);
  }
  void lock_broken(const std::string& service, const LockInfo& dead) override {
    for (RunObserver* o : m_observers) o->lock_broken(service, dead);
  }
  void step_started(const std::string& service, const Revision& revision, Direction direction) override {
    for (RunObserver* o : m_observers) o->step_started(service, revision, direction);
  }
  void step_finished(const std::string& service, const Revision& revision, Direction direction,
                     std::chrono::milliseconds elapsed) override {
    for (RunObserver* o : m_observers) o->step_finished(service, revision, direction, elapsed);
  }
  void step_failed(const std::string& service, const Revision& revision, Direction direction,
                   const std::string& error) override {
    for (RunObserver* o : m_observers) o->step_failed(service, revision, direction, error);
  }
  void steps_finished(const std::string& service, const std::vector<FinishedStep>& steps,
                      Direction direction) override {
    for (RunObserver* o : m_observers) o->steps_finished(service, steps, direction);
  }
  void interrupted(const std::string& service, const Revision* revision, Direction direction, int signal,
                   std::chrono::milliseconds elapsed) override {
    for (RunObserver* o : m_observers) o->interrupted(service, revision, direction, signal, elapsed);
  }

 private:
  std::vector<RunObserver*> m_observers;
};

}  // namespace migrate::run
