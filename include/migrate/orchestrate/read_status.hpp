// The read-only verbs of `status`, `history` and the dashboard: where each service stands,
// and its revisions with their applied rows, read on the project's connections.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "migrate/orchestrate/project.hpp"
#include "migrate/status/service_status.hpp"

namespace migrate::orchestrate {

/// Each selected service's status. A service whose revisions, URL or database cannot be
/// read is an `error` status carrying the reason (a password-free message); the others are
/// still read. Throws UsageError only for an unknown service name.
std::vector<status::ServiceStatus> read_status(Project& project, const std::string& service);

/// Whether `lock` (the row driver's lock().read() returned) is held by a live runner: its
/// session is known alive, or, where that cannot be known, its heartbeat is younger than
/// `stale_after`. Throws what the driver throws.
bool lock_live(db::Driver& driver, const std::optional<LockInfo>& lock, std::chrono::milliseconds stale_after);

/// One revision of a service's history: on disk, in the database, or both.
struct HistoryEntry {
  Version version = 0;
  std::string name;
  std::string state;  ///< "applied", "pending", "dirty" or "missing_file"
  std::string file;   ///< the up file; "" when only the history has the revision
  std::optional<AppliedRevision> applied;
  bool checksum_ok = true;  ///< false: the file changed since it was applied
};

/// The service's revisions merged with its history rows, by ascending version.
/// Throws ConfigError for bad revision files, DatabaseUnreachable.
std::vector<HistoryEntry> read_history(Project& project, const config::ServiceConfig& service);

}  // namespace migrate::orchestrate
