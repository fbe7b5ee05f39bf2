// The verbs of `migrate lock`: read each database's lock, and break it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "migrate/orchestrate/operation.hpp"

namespace migrate::orchestrate {

/// One service's view of its database's lock.
struct LockState {
  std::string service;
  std::string database;  ///< redacted URL
  std::optional<LockInfo> holder;
  /// PostgreSQL: whether a session holds the advisory lock; nullopt where unknown.
  std::optional<bool> session_alive;
};

/// The lock of each selected service's database, read without taking it.
std::vector<LockState> lock_status(Project& project, const std::string& service);

/// What `lock release --force` did for one database.
struct LockRelease {
  enum class Outcome { free, released, declined };
  std::string service;
  std::string database;
  Outcome outcome = Outcome::free;
  std::string holder;  ///< the holder that was (or would have been) broken
  bool session_terminated = false;
};

/// Breaks the lock of each selected database (once per database), asking first for each
/// ("break the migration lock on … held by …"), audited as `lock_broken`. Stops at the
/// first decline. Throws LockHeld when a lock changed hands since it was shown.
std::vector<LockRelease> release_lock(Operation& operation, const std::string& service);

}  // namespace migrate::orchestrate
