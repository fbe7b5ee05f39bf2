// Holds the migration lock of one database for a scope (RAII).
#pragma once

#include <chrono>
#include <string>

#include "migrate/db/driver.hpp"
#include "migrate/run/run_observer.hpp"

namespace migrate::run {

/// How long to wait for the lock, and when a silent holder counts as dead.
struct LockPolicy {
  std::string holder;  ///< user@host:pid of this runner
  std::chrono::milliseconds wait{60'000};
  std::chrono::milliseconds stale_after{600'000};
  std::chrono::milliseconds poll_interval{200};
};

/// Takes the lock on construction, polling (never blocking in the server) until
/// policy.wait has passed; throws LockHeld naming the holder then. Releases on
/// destruction. `service` names the run in events and messages.
class LockGuard {
 public:
  LockGuard(db::Driver& driver, const LockPolicy& policy, const std::string& service,
            RunObserver& observer);
  ~LockGuard();
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

  /// Refreshes the heartbeat when a quarter of stale_after has passed since the last one.
  void keep_alive();

 private:
  db::Driver& m_driver;
  LockPolicy m_policy;
  std::chrono::steady_clock::time_point m_last_heartbeat;
};

}  // namespace migrate::run
