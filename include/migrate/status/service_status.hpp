// The status of a service: where its database stands against its revisions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/model/lock_info.hpp"
#include "migrate/model/revision.hpp"
#include "migrate/plan/plan.hpp"

namespace migrate::status {

/// Ordered by severity: the overall state of several services is the worst of theirs.
/// `locked`: a live runner holds the lock (so the database is changing now).
enum class State { up_to_date, pending, locked, drift, dirty, error };

/// "up_to_date", "pending", "locked", "drift", "dirty" or "error", as in `status --json`.
std::string_view to_string(State state) noexcept;

struct ServiceStatus {
  std::string service;
  std::string database;  ///< redacted URL
  State state = State::up_to_date;
  std::optional<Version> current;  ///< highest applied version
  std::optional<Version> latest;   ///< highest version on disk
  std::size_t applied = 0;
  std::size_t pending = 0;
  std::vector<plan::Drift> drift;
  std::optional<AppliedRevision> dirty;
  std::optional<LockInfo> lock;
  std::string last_applied_at;  ///< the newest applied_at of its history (UTC ISO 8601); empty: none
  std::string error;  ///< set when state is error
};

/// Summarises one service (pure). `lock_live`: the lock is held by a runner known alive,
/// which makes the state `locked` unless drift, dirty or an error is worse.
ServiceStatus summarize(const std::string& service, const std::string& database,
                        const std::vector<Revision>& revisions,
                        const std::vector<AppliedRevision>& history,
                        const std::optional<LockInfo>& lock, bool lock_live = false);

/// A service whose status could not be read.
ServiceStatus failed_status(const std::string& service, const std::string& database,
                            const std::string& error);

/// The worst state among services (up_to_date for none).
State overall_state(const std::vector<ServiceStatus>& services);

/// One drift entry as a JSON object: {"version", "name", "kind", "file", "recorded_checksum",
/// "file_checksum"} (the shape status, verify and the dashboard share).
std::string drift_json(const plan::Drift& drift);

/// The `status --json` document of DESIGN.md.
std::string status_json(const std::vector<ServiceStatus>& services);

}  // namespace migrate::status
