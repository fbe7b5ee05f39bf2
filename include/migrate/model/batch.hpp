// A batch of transactional SQL revisions as values: the steps sent together and what
// became of them.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <optional>
#include <string_view>
#include <vector>

#include "migrate/model/history_row.hpp"
#include "migrate/model/revision.hpp"
#include "migrate/util/error.hpp"

namespace migrate {

/// One transactional SQL revision of a batch: its script, the history change that goes with
/// it, and the limits it runs under.
struct BatchStep {
  std::string_view sql;
  HistoryRow row;  ///< apply: inserted; revert: the (service, version) row deleted
  Timeouts timeouts;
};

/// Whether a batch applies its steps (inserting their rows) or reverts them (deleting them).
enum class BatchKind { apply, revert };

/// What a batch did. The steps before failed_at committed, each in its own transaction,
/// and `committed` holds how long each took. When failed_at < the batch's size, `error` is
/// that step's failure, worded as apply/revert would word it (its lines are its file's);
/// if more steps than `committed` precede failed_at, they did not run: the server
/// refused the whole message before running any of it, and the caller runs them again.
/// When the batch cannot go on (the connection was lost; the history does not show a step
/// that ran), `lost` holds the error, to be thrown once the steps that committed (read
/// back, over a new connection if need be) are reported.
struct BatchOutcome {
  std::vector<std::chrono::milliseconds> committed;
  std::size_t failed_at = 0;
  std::optional<RevisionFailed> error;
  std::exception_ptr lost;
};

}  // namespace migrate
