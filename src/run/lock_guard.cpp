// Lock acquisition policy: poll with a deadline, report takeovers, release on scope exit.
#include "migrate/run/lock_guard.hpp"

#include <spdlog/spdlog.h>

#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"

namespace migrate::run {

LockGuard::LockGuard(db::Driver& driver, const LockPolicy& policy, const std::string& service,
                     RunObserver& observer)
    : m_driver(driver), m_policy(policy) {
  const auto deadline = std::chrono::steady_clock::now() + policy.wait;
  // What the run does next waits as long for a database lock that is not a runner's.
  driver.lock().set_wait(policy.wait);
  bool reported_wait = false;
  for (;;) {
    LockAttempt attempt = driver.lock().try_lock(policy.holder, policy.stale_after);
    if (attempt.acquired) {
      if (attempt.broken) {
        spdlog::warn("took over the migration lock of {} (held since {}, holder is gone)",
                     attempt.broken->holder, attempt.broken->acquired_at);
        try {
          observer.lock_broken(service, *attempt.broken);
        } catch (...) {
          // No destructor runs for a constructor that throws: release here.
          driver.lock().unlock(policy.holder);
          throw;
        }
      }
      break;
    }
    const LockInfo holder = attempt.holder.value_or(LockInfo{
        attempt.blocked_by.empty() ? "another migrate runner" : "another connection, not a migrate runner", "", "",
        0});
    if (std::chrono::steady_clock::now() >= deadline) {
      if (!attempt.holder && !attempt.blocked_by.empty()) {
        throw LockHeld("cannot take the migration lock for service '" + service + "': " + attempt.blocked_by +
                       "; waited " + util::format_duration(policy.wait) + "; retry later or pass a longer --lock-wait");
      }
      throw LockHeld("the migration lock for service '" + service + "' is held by " + holder.holder +
                     (holder.acquired_at.empty() ? "" : " since " + holder.acquired_at) +
                     "; waited " + util::format_duration(policy.wait) + "; retry later or pass a longer --lock-wait");
    }
    if (!reported_wait) {
      spdlog::info("waiting for the migration lock held by {}", holder.holder);
      observer.lock_waiting(service, holder);
      reported_wait = true;
    }
    try {
      util::sleep_or_throw_if_interrupted(policy.poll_interval);
    } catch (const Interrupted& e) {
      // Nothing taken yet: nothing to undo.
      throw Interrupted(e.signal(), std::string("interrupted by ") + e.signal_name() +
                                        " while waiting for the migration lock of service '" + service +
                                        "' (held by " + holder.holder + "); nothing was changed");
    }
  }
  m_last_heartbeat = std::chrono::steady_clock::now();
}

LockGuard::~LockGuard() { m_driver.lock().unlock(m_policy.holder); }

void LockGuard::keep_alive() {
  const auto now = std::chrono::steady_clock::now();
  if (now - m_last_heartbeat < m_policy.stale_after / 4) return;
  m_driver.lock().heartbeat(m_policy.holder);
  m_last_heartbeat = now;
}

}  // namespace migrate::run
