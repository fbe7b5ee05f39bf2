// Runs one service's plan against its database under the migration lock: the policy
// layer above the drivers (dirty and drift checks, planning, applying, recording).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "migrate/db/driver.hpp"
#include "migrate/model/run_report.hpp"
#include "migrate/model/service_revisions.hpp"
#include "migrate/plan/plan.hpp"
#include "migrate/run/lock_guard.hpp"
#include "migrate/run/run_observer.hpp"

namespace migrate::run {

/// Settings shared by every service of a run.
struct RunSettings {
  LockPolicy lock;
  std::string applied_by;    ///< user@host recorded in schema_migrations
  bool allow_drift = false;  ///< run even though applied files were edited
  Timeouts timeouts;         ///< PostgreSQL limits for every revision; directives override them
};

/// Called once under the lock, when there is work, before the first change (backups).
/// Throwing stops the run with nothing changed.
using BeforeChanges = std::function<void()>;

/// What to do about a revision left dirty at `version`: `migrate repair` once it is fully
/// applied by hand, or, once fully undone, `migrate stamp` below it when it is the newest
/// recorded revision (stamp forgets every row above its target), else deleting its row.
std::string dirty_advice(const std::string& service, Version version, const std::vector<AppliedRevision>& history);

/// Throws BlockedError when the service is dirty, or has drift and settings do not allow
/// it. run_up and run_down call it under the lock; callers may call it to preview.
void check_runnable(const ServiceRevisions& service, const std::vector<AppliedRevision>& history,
                    bool allow_drift);

/// check_runnable for a preview read without the lock (the prompt, --dry-run): while some
/// runner holds the lock, a dirty row is its no-transaction revision in progress, not a
/// stop, so it does not block the preview; the run checks again under the lock, where a
/// dirty row is always one a runner left behind. Returns true when it let a dirty row
/// pass: then the preview proves nothing, and the caller must go on to the locked run
/// even with nothing planned, so that a row its holder left behind is still refused.
[[nodiscard]] bool check_runnable_unlocked(db::Driver& driver, const ServiceRevisions& service,
                             std::vector<AppliedRevision> history, bool allow_drift);

/// Applies the pending revisions `target` selects, each with its history row in one
/// transaction. The history is read under the lock, so work a concurrent runner already
/// did is not repeated. Returns the revisions applied. Throws BlockedError for a dirty
/// service, drift (unless allowed) or out-of-order revisions, LockHeld, and
/// RevisionFailed naming the revision's file; revisions applied before a failure stay.
std::vector<RevisionRef> run_up(db::Driver& driver, const ServiceRevisions& service,
                             const plan::UpTarget& target, const RunSettings& settings,
                             RunObserver& observer, const BeforeChanges& before_changes = {});

/// Rolls back the applied revisions `target` selects, newest first, each with the
/// removal of its history row in one transaction. Returns the revisions rolled back.
/// Throws as run_up, and UsageError for an irreversible revision in the way.
std::vector<RevisionRef> run_down(db::Driver& driver, const ServiceRevisions& service,
                               const plan::DownTarget& target, const RunSettings& settings,
                               RunObserver& observer, const BeforeChanges& before_changes = {});

/// What stamp changed.
struct StampResult {
  std::vector<Version> recorded;  ///< versions marked applied
  std::vector<Version> removed;   ///< versions marked unapplied
};

/// Makes the history say exactly "every revision up to `version` is applied" without
/// running SQL; nullopt is base: nothing applied (a revision numbered 0 is a version like
/// any other, so 0 is base only for a service that has no revision 0). Clears dirty rows
/// at or below it. Throws UsageError when version names no revision.
StampResult run_stamp(db::Driver& driver, const ServiceRevisions& service, std::optional<Version> version,
                      const RunSettings& settings, RunObserver& observer);

/// What repair rewrote.
struct RepairResult {
  struct Change {
    Version version = 0;
    bool was_dirty = false;        ///< its dirty flag was cleared
    bool rerecorded = false;       ///< its checksum (or name or kind) was re-recorded from the file
  };
  std::vector<Change> changes;
  std::vector<Version> missing;  ///< recorded revisions with no file: left alone (see stamp)
};

/// Makes the history agree with the files after the operator fixed things by hand:
/// every recorded revision whose file exists gets that file's name, kind and checksum,
/// and its dirty flag cleared, in one transaction under the lock. Runs no SQL of any
/// revision. Recorded revisions with no file are reported, not removed.
RepairResult run_repair(db::Driver& driver, const ServiceRevisions& service, const RunSettings& settings,
                        RunObserver& observer);

}  // namespace migrate::run
