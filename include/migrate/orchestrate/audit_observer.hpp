// Turns run events into audit lines (apply, rollback, fail, lock_broken).
#pragma once

#include "migrate/audit/audit_log.hpp"
#include "migrate/run/run_observer.hpp"

namespace migrate::orchestrate {

/// Writes one audit line per applied or rolled-back revision (with its duration), per
/// failed revision (with the error), per interrupted run (`interrupted`, with the signal)
/// and per lock taken over; the lines of a batch of revisions in one write and one fsync.
/// A write that fails throws, which stops the run; the error names the revisions that
/// committed without their line. Once the log has spent its disk reserve, step_started
/// throws: no further revision starts.
class AuditObserver final : public run::RunObserver {
 public:
  explicit AuditObserver(audit::AuditLog& log) : m_log(log) {}

  void lock_broken(const std::string& service, const LockInfo& dead) override;
  void step_started(const std::string& service, const Revision& revision, run::Direction direction) override;
  void step_finished(const std::string& service, const Revision& revision, run::Direction direction,
                     std::chrono::milliseconds elapsed) override;
  void step_failed(const std::string& service, const Revision& revision, run::Direction direction,
                   const std::string& error) override;
  void steps_finished(const std::string& service, const std::vector<run::FinishedStep>& steps,
                      run::Direction direction) override;
  void interrupted(const std::string& service, const Revision* revision, run::Direction direction, int signal,
                   std::chrono::milliseconds elapsed) override;

  /// True once a failed or interrupted revision was written (the run's `fail` or
  /// `interrupted` line).
  bool failure_recorded() const { return m_failure_recorded; }

 private:
  void record_committed(const std::string& service, const std::vector<audit::AuditEvent>& events,
                        run::Direction direction);

  audit::AuditLog& m_log;
  bool m_failure_recorded = false;
};

}  // namespace migrate::orchestrate
