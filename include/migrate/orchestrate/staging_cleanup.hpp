// `migrate transfer cleanup --older-than 48h`: drops the raw_* staging tables that
// import-kv made, once their last import is older than the given age, under each
// service's lock, audited per table. The age comes from the audit log's `import` events:
// a raw_* table with no such event is kept and reported (its age cannot be known).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "migrate/orchestrate/operation.hpp"

namespace migrate::orchestrate {

struct StagingTable {
  std::string service;
  std::string table;
  std::string imported_at;  ///< the last import's time (UTC, ISO-8601); empty when unknown
  std::string action;       ///< "dropped", "kept: younger", "kept: age unknown", "would drop" (dry run)
};

struct CleanupResult {
  std::vector<StagingTable> tables;
  bool declined = false;
};

/// Finds and (unless dry_run) drops the staging tables of `service` (every service when
/// empty) whose last import is older than older_than.
CleanupResult cleanup_staging(Operation& operation, const std::string& service, std::chrono::milliseconds older_than,
                              bool dry_run);

}  // namespace migrate::orchestrate
