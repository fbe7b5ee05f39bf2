// Audit lines for run events.
#include "migrate/orchestrate/audit_observer.hpp"

#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/text.hpp"

namespace migrate::orchestrate {

void AuditObserver::lock_broken(const std::string& service, const LockInfo& dead) {
  audit::AuditEvent event;
  event.event = "lock_broken";
  event.service = service;
  event.detail = "took over the lock of " + dead.holder + " (acquired " + dead.acquired_at + ")";
  m_log.append(event);
}

namespace {

audit::AuditEvent finished_event(const std::string& service, const Revision& revision, run::Direction direction,
                                 std::chrono::milliseconds elapsed) {
  audit::AuditEvent event;
  event.event = direction == run::Direction::up ? "apply" : "rollback";
  event.service = service;
  event.version = revision.version;
  event.duration_ms = elapsed.count();
  event.detail = revision.label();
  return event;
}

}  // namespace

// With the audit log's disk full, a change that started could commit with no room left
// for its line: the log's reserve is spent, so stop before it.
void AuditObserver::step_started(const std::string& service, const Revision& revision, run::Direction direction) {
  if (!m_log.reserve_spent()) return;
  throw Error(ExitCode::failed, "the disk holding the audit log " + m_log.path().string() + " is full: stopped before " +
                                    (direction == run::Direction::up ? "applying" : "rolling back") + " revision " +
                                    revision.label() + " of service '" + service +
                                    "', so that no change goes unaudited; free some space and run the command again");
}

void AuditObserver::step_finished(const std::string& service, const Revision& revision,
                                  run::Direction direction, std::chrono::milliseconds elapsed) {
  record_committed(service, {finished_event(service, revision, direction, elapsed)}, direction);
}

void AuditObserver::steps_finished(const std::string& service, const std::vector<run::FinishedStep>& steps,
                                   run::Direction direction) {
  std::vector<audit::AuditEvent> events;
  events.reserve(steps.size());
  for (const run::FinishedStep& step : steps) {
    events.push_back(finished_event(service, *step.revision, direction, step.elapsed));
  }
  record_committed(service, events, direction);
}

// The revisions committed already: an error must name them, as the log cannot.
void AuditObserver::record_committed(const std::string& service, const std::vector<audit::AuditEvent>& events,
                                     run::Direction direction) {
  try {
    m_log.append(events);
  } catch (const Error& e) {
    std::vector<std::string> labels;
    for (const audit::AuditEvent& event : events) labels.push_back(event.detail);
    throw Error(e.code(), "service '" + service + "': " + util::join(labels, ", ") +
                              (direction == run::Direction::up ? " committed" : " rolled back (committed)") +
                              ", but " + (labels.size() == 1 ? "its audit line is" : "their audit lines are") +
                              " missing: " + e.what());
  }
}

void AuditObserver::step_failed(const std::string& service, const Revision& revision,
                                run::Direction direction, const std::string& error) {
  audit::AuditEvent event;
  event.event = "fail";
  event.service = service;
  event.version = revision.version;
  event.ok = false;
  event.error = error;
  event.detail = revision.label() + (direction == run::Direction::up ? " (up)" : " (down)");
  m_failure_recorded = true;
  m_log.append(event);
}

void AuditObserver::interrupted(const std::string& service, const Revision* revision, run::Direction direction,
                                int signal, std::chrono::milliseconds elapsed) {
  audit::AuditEvent event;
  event.event = "interrupted";
  event.service = service;
  if (revision != nullptr) event.version = revision->version;
  event.ok = false;
  event.duration_ms = elapsed.count();
  const std::string name = util::signal_name(signal);
  event.error = "interrupted by " + name;
  event.detail = "signal " + name + " (" + std::to_string(signal) + ")";
  if (revision != nullptr) {
    event.detail += "; " + revision->label() + (direction == run::Direction::up ? " (up)" : " (down)") + " stopped";
  }
  m_failure_recorded = true;
  m_log.append(event);
}

}  // namespace migrate::orchestrate
