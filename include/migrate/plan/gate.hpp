// Whether a service may run at all: the gate every up and down passes under the lock
// (a dirty revision, drift). Pure: no I/O (STYLE rule 4).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/model/revision.hpp"

namespace migrate::plan {

/// What to do about a revision left dirty at `version`: `migrate repair` once it is fully
/// applied by hand, or, once fully undone, `migrate stamp` below it when it is the newest
/// recorded revision (stamp forgets every row above its target), else deleting its row.
std::string dirty_advice(std::string_view service, Version version, const std::vector<AppliedRevision>& history);

/// Why the service may not run: its first dirty row (with dirty_advice), or, unless
/// allow_drift, its first drift (and how many more). nullopt when it may run.
/// Out-of-order revisions are the up plan's to refuse (make_up_plan).
std::optional<std::string> blocked_reason(std::string_view service, const std::vector<Revision>& revisions,
                                          const std::vector<AppliedRevision>& history, bool allow_drift);

}  // namespace migrate::plan
