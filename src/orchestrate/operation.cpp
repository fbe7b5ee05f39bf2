// The audited frame around a changing command.
#include "migrate/orchestrate/operation.hpp"

#include "migrate/util/error.hpp"
#include "migrate/util/system.hpp"

namespace migrate::orchestrate {

run::RunSettings make_run_settings(const config::Manifest& manifest, std::chrono::milliseconds lock_wait) {
  run::RunSettings settings;
  settings.lock.holder = util::lock_holder_id();
  settings.lock.wait = lock_wait;
  settings.lock.stale_after = manifest.defaults.lock_stale_after;
  settings.timeouts = manifest.defaults.timeouts;
  settings.applied_by = util::user_at_host();
  return settings;
}

Operation::Operation(const OperationOptions& options, run::RunObserver& progress, Confirm confirm)
    : m_options(options),
      m_project(options.config, options.database_url, db::OpenMode::read_write),
      m_confirm(std::move(confirm)),
      m_started(std::chrono::steady_clock::now()) {
  m_audit = std::make_unique<audit::AuditLog>(m_project.manifest().defaults.audit_log, m_options.command,
                                              util::user_name(), util::host_name(), std::vector<std::string>{});
  if (options.database_url) {
    const config::DatabaseUrl url =
        config::parse_database_url(*options.database_url, m_project.manifest().dir, "--database-url");
    m_audit->add_secret(url.password);
    for (const std::string& secret : url.secrets) m_audit->add_secret(secret);
  }
  m_settings = make_run_settings(m_project.manifest(), options.lock_wait);
  m_audit_observer = std::make_unique<AuditObserver>(*m_audit);
  m_observers.add(progress);
  m_observers.add(*m_audit_observer);
}

std::vector<const config::ServiceConfig*> Operation::select(const std::string& name) {
  const auto services = m_project.select(name);
  for (const config::ServiceConfig* service : services) {
    const config::DatabaseUrl& url = m_project.url(*service);
    m_audit->add_secret(url.password);
    for (const std::string& secret : url.secrets) m_audit->add_secret(secret);
  }
  m_project.load_all(services);
  return services;
}

bool Operation::confirm(const std::string& what, const std::string& service) {
  const Answer answer = m_confirm ? m_confirm(what) : Answer::no;
  audit::AuditEvent event;
  event.event = answer == Answer::no ? "decline" : "confirm";
  event.service = service;
  event.detail = answer == Answer::assumed_yes ? what + " (--yes)" : what;
  record(event);
  return answer != Answer::no;
}

void Operation::begin() {
  if (m_depth++ > 0) return;  // inside another verb's frame: its start line stands
  m_started = std::chrono::steady_clock::now();
  audit::AuditEvent start;
  start.event = "start";
  start.detail = m_options.command_line;
  // up and down write a line (confirm, backup) before any change, so their start line can
  // go out with it; other commands may change the database before their next line.
  if (m_options.command == "up" || m_options.command == "down") {
    m_audit->append_with_next(start);
  } else {
    record(start);
  }
}

namespace {

std::int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

void Operation::finish_ok() {
  if (m_depth > 1) {
    --m_depth;
    return;
  }
  m_depth = 0;
  // Set before the write: a line that was written but not synced must not be followed
  // by a second `done` from finish_failed.
  m_finished = true;
  audit::AuditEvent done;
  done.event = "done";
  done.duration_ms = elapsed_ms(m_started);
  record(done);
}

void Operation::finish_failed(const Failure& failure) noexcept {
  // Inside another verb's frame: the outer verb reports the failure, once.
  if (m_depth > 1) {
    --m_depth;
    return;
  }
  m_depth = 0;
  if (m_finished) return;
  m_finished = true;
  try {
    // A failed or interrupted revision already wrote the run's line, with its version.
    if (!m_audit_observer->failure_recorded()) {
      audit::AuditEvent fail;
      fail.event = failure.interrupted() ? "interrupted" : "fail";
      fail.ok = false;
      fail.error = failure.message;
      if (failure.interrupted()) fail.detail = "signal " + failure.signal;
      fail.duration_ms = elapsed_ms(m_started);
      record(fail);
    }
    audit::AuditEvent done;
    done.event = "done";
    done.ok = false;
    done.duration_ms = elapsed_ms(m_started);
    done.error = failure.message;
    record(done);
  } catch (const std::exception&) {
    // The original error is the one to report; the audit log's own failure was logged.
  }
}

}  // namespace migrate::orchestrate
