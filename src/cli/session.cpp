// The audited frame around a changing command.
#include "cli/session.hpp"

#include <chrono>

#include "migrate/util/error.hpp"
#include "migrate/util/system.hpp"

namespace migrate::cli {

Session::Session(const GlobalOptions& options, Io& io, std::string command)
    : m_options(options),
      m_io(io),
      m_command(std::move(command)),
      m_project(open_project(options, db::OpenMode::read_write)) {
  m_audit = std::make_unique<audit::AuditLog>(m_project.manifest().defaults.audit_log, m_command,
                                              util::user_name(), util::host_name(), std::vector<std::string>{});
  if (options.database_url) {
    const config::DatabaseUrl url =
        config::parse_database_url(*options.database_url, m_project.manifest().dir, "--database-url");
    m_audit->add_secret(url.password);
    for (const std::string& secret : url.secrets) m_audit->add_secret(secret);
  }
  m_settings = run_settings(options, m_project.manifest());
  m_console = make_console_observer(options, io);
  m_audit_observer = std::make_unique<orchestrate::AuditObserver>(*m_audit);
  m_observers.add(*m_console);
  m_observers.add(*m_audit_observer);
}

std::vector<const config::ServiceConfig*> Session::select(const std::string& name) {
  const auto services = m_project.select(name);
  for (const config::ServiceConfig* service : services) {
    const config::DatabaseUrl& url = m_project.url(*service);
    m_audit->add_secret(url.password);
    for (const std::string& secret : url.secrets) m_audit->add_secret(secret);
  }
  m_project.load_all(services);
  return services;
}

int Session::run(const std::function<int()>& body) {
  audit::AuditEvent start;
  start.event = "start";
  start.detail = m_options.command_line;
  // up and down write a line (confirm, backup) before any change, so their start line can
  // go out with it; other commands may change the database before their next line.
  if (m_command == "up" || m_command == "down") {
    m_audit->append_with_next(start);
  } else {
    record(start);
  }
  const auto started = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  };
  try {
    const int code = body();
    audit::AuditEvent done;
    done.event = "done";
    done.ok = code == 0;
    done.duration_ms = elapsed();
    record(done);
    return code;
  } catch (const std::exception& e) {
    audit::AuditEvent fail;
    fail.event = "fail";
    fail.ok = false;
    fail.error = e.what();
    audit::AuditEvent done;
    done.event = "done";
    done.ok = false;
    done.duration_ms = elapsed();
    done.error = e.what();
    try {
      // A failed revision already wrote the run's `fail` line, with its version.
      if (!m_audit_observer->failure_recorded()) record(fail);
      record(done);
    } catch (const std::exception&) {
      // The original error is the one to report; the audit failure is logged by run().
    }
    throw;
  }
}

bool Session::confirm(const std::string& what, const std::string& service) {
  const bool yes = cli::confirm(m_options, m_io, what);
  audit::AuditEvent event;
  event.event = yes ? "confirm" : "decline";
  event.service = service;
  event.detail = m_options.yes ? what + " (--yes)" : what;
  record(event);
  return yes;
}

}  // namespace migrate::cli
