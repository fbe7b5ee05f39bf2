// The `adopt` verb: take over a database another tool migrated, recording what it applied
// as migrate's own history, without running anything.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "migrate/adopt/reconcile.hpp"
#include "migrate/orchestrate/operation.hpp"

namespace migrate::orchestrate {

struct AdoptRequest {
  std::string service;
  adopt::Tool tool = adopt::Tool::drizzle;
  /// drizzle: the out folder (or its meta/_journal.json) whose `when` values tie drizzle's
  /// rows to migrations before their contents do.
  std::optional<std::filesystem::path> journal;
  /// alembic: the id mapping `import alembic` wrote (default <migrations>/alembic_ids.json).
  std::optional<std::filesystem::path> map;
  bool dry_run = false;
  /// After adopting (a separate run): drop the tool's history table, once migrate's history
  /// has every revision it records, after a confirmation.
  bool finalize = false;
};

struct AdoptReport {
  std::string service;
  std::string database;  ///< redacted URL
  std::string table;     ///< the tool's table that was read
  adopt::Reconciliation reconciliation;
  bool recorded = false;  ///< the matched revisions were written (false on a dry run or a no-op)
  bool finalized = false;  ///< finalize: the tool's table was dropped
  bool declined = false;   ///< finalize: the confirmation was declined; nothing was dropped
};

/// Reads the tool's history and the service's files and reconciles them (adopt::reconcile).
/// Refused (any refusal, or no table of the tool's): throws BlockedError (exit 4) listing
/// every reason, having written nothing at all. A dry run returns the reconciliation,
/// refusals included, and writes nothing. Otherwise, under the lock, reconciles again and records every matched
/// revision in one transaction, audited as `adopt` with one line per version. Adopting an
/// adopted database records nothing. With finalize: refused (BlockedError) unless adopting
/// would record nothing; then, confirmed and under the lock, drops the tool's table,
/// audited as `adopt_finalize`.
AdoptReport adopt_history(Operation& operation, const AdoptRequest& request);

/// The reconciliation without any write, for a dry run's report or a refusal's message.
std::string describe_refusals(const adopt::Reconciliation& reconciliation);

}  // namespace migrate::orchestrate
