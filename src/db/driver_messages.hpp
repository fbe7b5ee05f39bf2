// Messages both drivers give for the same events, worded once.
#pragma once

#include <string>

namespace migrate::db {

/// A heartbeat found the lock row gone or naming another runner.
inline std::string lost_lock_message(const std::string& database) {
  return "lost the migration lock on " + database +
         ": its row no longer names this runner (broken with `migrate lock release --force`, or taken over "
         "as stale); stopping";
}

/// Statement `number` (1-based) of a no-transaction revision, starting on file line
/// `line`, failed with `error`.
inline std::string statement_failure(int number, std::size_t line, const std::string& error) {
  std::string message = "statement " + std::to_string(number) + " (line " + std::to_string(line) + "): " + error;
  if (number > 1) message += "; the " + std::to_string(number - 1) + " statement(s) before it stay applied";
  return message;
}

}  // namespace migrate::db
