// Turning recorded run events into a service's report.
#include "orchestrate/run_recorder.hpp"

#include <algorithm>

namespace migrate::orchestrate {

void RunRecorder::fill(ServiceReport& report, const std::vector<const Revision*>& planned, bool stopped) const {
  const auto seen = m_services.find(report.service);
  if (seen != m_services.end()) {
    report.committed = seen->second.committed;
    report.failed = seen->second.failed;
    report.error = seen->second.error;
  }
  if (!stopped) return;
  std::vector<Version> committed;
  committed.reserve(report.committed.size());
  for (const CommittedRevision& c : report.committed) committed.push_back(c.version);
  std::sort(committed.begin(), committed.end());
  for (const Revision* revision : planned) {
    const bool done = std::binary_search(committed.begin(), committed.end(), revision->version);
    const bool failed = report.failed && report.failed->version == revision->version;
    if (!done && !failed) report.not_attempted.push_back({revision->version, revision->name});
  }
}

}  // namespace migrate::orchestrate
