// Reconciling another tool's history with a service's revision files: which revisions it
// applied, which are pending, and what forbids taking the database over. Pure: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "migrate/adopt/alembic_folder.hpp"
#include "migrate/adopt/foreign_history.hpp"
#include "migrate/model/revision.hpp"

namespace migrate::adopt {

/// The outcome of reconciling, revision by revision.
struct Reconciliation {
  /// A revision the tool applied, to be recorded as applied.
  struct Match {
    Version version = 0;
    std::string name;
    std::string how;         ///< "hash", "version", "baseline": what tied the row to the file
    std::string applied_at;  ///< from the tool's table; "" when it has none
  };
  /// What forbids adopting; nothing is written while any exists.
  struct Refusal {
    std::string what;    ///< "0004_add_x", "hash 1f2e3d4c…"
    std::string reason;
  };
  std::vector<Match> matched;    ///< to record, in version order
  std::vector<Version> already;  ///< applied per the tool and already in migrate's history
  std::vector<Version> pending;  ///< files the tool never applied, above everything it did
  std::vector<Refusal> refused;
};

/// Reconciles history with the service's revisions (in version order) and the rows already
/// in migrate's own history. Rules:
/// - drizzle: a row whose created_at is a journal entry's `when` (`journal`: when → version)
///   is that entry's revision, and a hash that differs from its file's checksum is drift,
///   refused; any other row is matched to the file whose checksum equals its hash (content,
///   not numbering); a row matching no file is refused (the database is ahead of the code);
///   a file with no row below the newest matched one is refused (drizzle skipped it).
/// - goose: the latest row per version decides (is_applied); version 0 is goose's own.
/// - flyway: a failed row (success false) is refused; a BASELINE row counts every
///   revision up to its version as applied.
/// - golang-migrate: its one row means "everything up to it"; dirty is refused.
/// - dbmate: the set of versions in its table; a file below its newest without a row is
///   pending (dbmate applies out of order), not refused.
/// - goose, flyway, golang-migrate, dbmate: a version with no file is refused; goose and
///   Flyway: a file with no row below the newest applied version is refused (applied out
///   of order or skipped).
/// - alembic: every row of alembic_version is a head; its id and every id reachable over
///   down_revisions and depends_on (`alembic`: the mapping `import alembic` wrote) is
///   applied, mapped to its version; an id the mapping lacks is refused (an all-digit one
///   counts every revision up to its number); a file below the newest applied one that
///   no head reaches is pending (another branch), not refused.
/// - every tool: a revision migrate already records with another checksum is refused; one
///   it records with the same is `already`. A row of migrate's history below the tool's
///   newest that the tool does not have is refused (the histories disagree); rows above it
///   are migrate's own work since it took over.
Reconciliation reconcile(const ForeignHistory& history, const std::vector<Revision>& revisions,
                         const std::vector<AppliedRevision>& own,
                         const std::map<std::int64_t, Version>& journal = {}, const AlembicMap& alembic = {});

}  // namespace migrate::adopt
