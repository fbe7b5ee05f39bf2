// Planning: pure functions of (revisions on disk, history in the database, target).
// No I/O, no clock, no logging (STYLE rule 4).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/model/revision.hpp"

namespace migrate::plan {

/// What `up` should reach.
struct UpTarget {
  std::optional<Version> to;  ///< apply pending revisions up to and including this version
  std::optional<int> step;    ///< apply at most this many
  bool allow_out_of_order = false;
};

/// What `down` should undo.
struct DownTarget {
  enum class Mode { step, to, all };
  Mode mode = Mode::step;
  int step = 1;     ///< Mode::step: how many applied revisions to roll back
  Version to = 0;   ///< Mode::to: roll back every applied revision above this version (a revision 0
                    ///< stays applied; Mode::all is base, nothing applied)
};

/// A disagreement between the history and the files.
struct Drift {
  enum class Kind { checksum_mismatch, missing_file };
  Kind kind = Kind::checksum_mismatch;
  Version version = 0;
  std::string name;
  std::string file;      ///< the up file (checksum_mismatch); empty for missing_file
  std::string recorded;  ///< checksum in schema_migrations
  std::string actual;    ///< checksum of the file now; empty for missing_file

  /// One line naming the revision and the file.
  std::string describe() const;
};

/// "checksum_mismatch" or "missing_file".
std::string_view to_string(Drift::Kind kind) noexcept;

/// Applied revisions whose recorded checksum differs from the file's, or whose files are
/// gone. Ascending by version.
std::vector<Drift> check_drift(const std::vector<Revision>& revisions,
                               const std::vector<AppliedRevision>& history);

/// The first history row marked dirty, if any.
std::optional<AppliedRevision> find_dirty(const std::vector<AppliedRevision>& history);

/// Revisions not in the history, ascending. Plans point into `revisions`, which must
/// outlive them: a plan never copies a revision (with thousands of revisions, copies
/// would make memory grow with the folder).
std::vector<const Revision*> pending_revisions(const std::vector<Revision>& revisions,
                                        const std::vector<AppliedRevision>& history);

/// The revisions `up` applies, in order. Throws BlockedError (exit 4) naming a pending
/// revision numbered below the highest applied one unless target.allow_out_of_order, and
/// UsageError when target.to names no revision of the service.
std::vector<const Revision*> make_up_plan(std::string_view service, const std::vector<Revision>& revisions,
                                   const std::vector<AppliedRevision>& history, const UpTarget& target);

/// The revisions `down` rolls back, newest first. Throws UsageError when the target asks
/// for more than is applied, names an unknown version, or passes a revision that has no
/// down file (irreversible) or whose files are gone.
std::vector<const Revision*> make_down_plan(std::string_view service, const std::vector<Revision>& revisions,
                                     const std::vector<AppliedRevision>& history,
                                     const DownTarget& target);

}  // namespace migrate::plan
