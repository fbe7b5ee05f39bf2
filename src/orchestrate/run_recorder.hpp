// Collects a run's events into ServiceReports: what committed, what failed (internal).
#pragma once

#include <map>
#include <string>

#include "migrate/model/run_report.hpp"
#include "migrate/run/run_observer.hpp"

namespace migrate::orchestrate {

class RunRecorder final : public run::RunObserver {
 public:
  void step_finished(const std::string& service, const Revision& revision, run::Direction,
                     std::chrono::milliseconds elapsed) override {
    m_services[service].committed.push_back({revision.version, revision.name, elapsed});
  }

  void step_failed(const std::string& service, const Revision& revision, run::Direction,
                   const std::string& error) override {
    ServiceReport& report = m_services[service];
    report.failed = RevisionRef{revision.version, revision.name};
    report.error = error;
  }

  /// Fills report's committed and failed revisions from the events seen for its service,
  /// and, when `stopped`, lists the planned revisions that neither committed nor failed.
  void fill(ServiceReport& report, const std::vector<const Revision*>& planned, bool stopped) const;

 private:
  std::map<std::string, ServiceReport> m_services;
};

}  // namespace migrate::orchestrate
