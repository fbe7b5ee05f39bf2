// The verbs `up` and `down`: preview without the lock, confirm, back up, run each service
// under its lock, and report what committed as a value.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "migrate/model/run_report.hpp"
#include "migrate/orchestrate/operation.hpp"
#include "migrate/orchestrate/run_backups.hpp"
#include "migrate/plan/plan.hpp"

namespace migrate::orchestrate {

/// What `up` is asked to do.
struct ApplyRequest {
  std::string service;  ///< empty: every service, in dependency order
  plan::UpTarget target;
  bool allow_drift = false;
  RunBackups::Options backups;
  /// The caller showed its own plan and asked already (`transfer full`): no preview is
  /// shown and nothing is asked.
  bool confirmed = false;
};

/// What `down` is asked to do.
struct RollbackRequest {
  std::string service;
  plan::DownTarget target;
  bool allow_drift = false;
  RunBackups::Options backups;
};

/// One service's planned revisions, read without the lock.
struct ServicePlan {
  const config::ServiceConfig* service = nullptr;
  std::string database;  ///< redacted URL
  std::vector<const Revision*> revisions;  ///< into the project's revisions of the service
  /// The preview let a dirty row pass because a runner holds the lock: only the locked
  /// run can tell whether that runner finishes it or left it behind.
  bool needs_locked_check = false;
};

/// What would run, in order: for the prompt and --dry-run. The run plans again under
/// the lock.
struct Preview {
  run::Direction direction = run::Direction::up;
  std::vector<ServicePlan> services;

  std::size_t total() const;
};

/// Previews (read-only: touches nothing) what `up` would apply. Throws as planning does.
Preview preview_apply(Project& project, const std::vector<const config::ServiceConfig*>& services,
                      const ApplyRequest& request);

/// Previews what `down` would roll back.
Preview preview_rollback(Project& project, const config::ServiceConfig& service, const RollbackRequest& request);

/// Called with the preview before the confirmation (to show the plan).
using ShowPreview = std::function<void(const Preview&)>;

/// Applies pending revisions: audited start, preview, confirmation ("apply N
/// revision(s)"), one backup per database before its first change, then each service
/// under its lock. Never throws a migrate Error: a failure at any point is in the
/// report, with what committed before it; the audit log has start, confirm, backup,
/// apply/fail and done lines.
RunReport apply(Operation& operation, const ApplyRequest& request, const ShowPreview& show);

/// Rolls back, likewise.
RunReport rollback(Operation& operation, const RollbackRequest& request, const ShowPreview& show);

}  // namespace migrate::orchestrate
