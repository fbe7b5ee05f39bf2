// Turning recorded run events into a service's report.
#include "orchestrate/run_recorder.hpp"

#include <algorithm>

namespace migrate::orchestrate {

void RunRecorder::fill(ServiceReport& report, const std::vector<Revision>& planned, bool stopped) const {
  const auto seen = m_services.find(report.service);
  if (seen != m_services.end()) {
    report.committed = seen->second.committed;
    report.failed = seen->second.failed;
    report.error = seen->second.error;
  }
  if (!stopped) return;
  for (const Revision& revision : planned) {
    const bool committed = std::any_of(report.committed.begin(), report.committed.end(),
                                       [&](const CommittedRevision& c) { return c.version == revision.version; });
    const bool failed = report.failed && report.failed->version == revision.version;
    if (!committed && !failed) report.not_attempted.push_back({revision.version, revision.name});
  }
}

}  // namespace migrate::orchestrate
