// The migration lock as values: who holds the lock row, and what one try to take it found.
#pragma once

#include <optional>
#include <string>

namespace migrate {

/// The migration_lock row.
struct LockInfo {
  std::string holder;
  std::string acquired_at;
  std::string heartbeat_at;
  double heartbeat_age_seconds = 0;
};

/// The outcome of one try to take the lock.
struct LockAttempt {
  bool acquired = false;
  std::optional<LockInfo> holder;  ///< not acquired: who holds it (if known)
  std::optional<LockInfo> broken;  ///< acquired: the dead holder whose row was taken over
  /// Not acquired although no live runner holds it: what is in the way (SQLite: another
  /// connection's write lock on the file); empty otherwise.
  std::string blocked_by;
};

}  // namespace migrate
