// Events of a run, for progress output now and the audit log later.
#pragma once

#include <chrono>
#include <string>

#include "migrate/db/driver.hpp"
#include "migrate/model/revision.hpp"

namespace migrate::run {

enum class Direction { up, down };

/// Receives the events of a run. Every method has an empty default; an observer that
/// throws aborts the run (the audit log relies on that: no entry, no change).
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void lock_waiting(const std::string& /*service*/, const db::LockInfo& /*holder*/) {}
  virtual void lock_broken(const std::string& /*service*/, const db::LockInfo& /*dead*/) {}
  virtual void step_started(const std::string& /*service*/, const Revision& /*revision*/,
                            Direction /*direction*/) {}
  virtual void step_finished(const std::string& /*service*/, const Revision& /*revision*/,
                             Direction /*direction*/, std::chrono::milliseconds /*elapsed*/) {}
  virtual void step_failed(const std::string& /*service*/, const Revision& /*revision*/,
                           Direction /*direction*/, const std::string& /*error*/) {}
};

}  // namespace migrate::run
