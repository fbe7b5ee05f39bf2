// What a database says about the workload: for each revision its schema_migrations row and
// how many times each of its effects is there, read in one snapshot; and the two checks the
// robustness suites make of that.
#pragma once

#include <string>
#include <vector>

#include "robustness/workload.hpp"
#include "support/test_database.hpp"

namespace migrate::robustness {

/// A revision's row in schema_migrations.
enum class Recorded { absent, clean, dirty };

struct RevisionState {
  Recorded recorded = Recorded::absent;
  std::vector<long> effect_counts;  ///< one per WorkloadRevision::effects: 0 absent, 1 there, 2+ repeated
};

/// One RevisionState per workload revision, all read in a single snapshot (a REPEATABLE
/// READ transaction on PostgreSQL, one read transaction on SQLite), so a commit landing
/// meanwhile (a killed client's backend finishing its last query) cannot tear the picture.
/// A SQLite file that does not exist reads as nothing applied.
std::vector<RevisionState> read_state(const Workload& workload, const test::TestDatabase& db);

/// Problems with a state that any run, killed or not, may leave (empty when none):
/// a clean row must come with every effect exactly once; no row with no effect at all; a
/// dirty row only for a revision that is not transactional.
std::vector<std::string> consistency_problems(const Workload& workload, const std::vector<RevisionState>& state);

/// Problems with a state after a run that reached head (empty when none): every revision
/// recorded clean, once, with every effect exactly once.
std::vector<std::string> completeness_problems(const Workload& workload, const std::vector<RevisionState>& state);

/// How many revisions are recorded clean.
int clean_count(const std::vector<RevisionState>& state);

/// True when some revision is recorded dirty.
bool any_dirty(const std::vector<RevisionState>& state);

/// Problems joined one per line, for INFO messages.
std::string join_lines(const std::vector<std::string>& problems);

}  // namespace migrate::robustness
