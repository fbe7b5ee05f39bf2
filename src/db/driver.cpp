// The Driver base's one shared behaviour: a batch run one step at a time, for drivers with
// no round trips to save.
#include "migrate/db/driver.hpp"

namespace migrate::db {

BatchOutcome Driver::run_batch(BatchKind kind, const std::vector<BatchStep>& steps) {
  BatchOutcome outcome;
  for (const BatchStep& step : steps) {
    set_timeouts(step.timeouts);
    const auto started = std::chrono::steady_clock::now();
    try {
      if (kind == BatchKind::apply) {
        apply(std::string(step.sql), step.row);
      } else {
        revert(std::string(step.sql), step.row.service, step.row.version);
      }
    } catch (const RevisionFailed& e) {
      outcome.error = e;
      return outcome;
    }
    outcome.committed.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started));
    outcome.failed_at = outcome.committed.size();
  }
  return outcome;
}

}  // namespace migrate::db
