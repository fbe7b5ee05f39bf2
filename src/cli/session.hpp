// What a command that changes databases shares: the project, the audit log, the observers
// and audited confirmations.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "migrate/audit/audit_log.hpp"
#include "migrate/orchestrate/audit_observer.hpp"

namespace migrate::cli {

class Session {
 public:
  /// Loads the project and opens its audit log for `command`. Throws ConfigError.
  Session(const GlobalOptions& options, Io& io, std::string command);

  orchestrate::Project& project() { return m_project; }
  audit::AuditLog& audit() { return *m_audit; }
  run::RunObserver& observer() { return m_observers; }
  const run::RunSettings& settings() const { return m_settings; }
  run::RunSettings& settings() { return m_settings; }

  /// The named service (or all, in dependency order) with URLs resolved, their
  /// passwords registered for masking and their revisions validated.
  std::vector<const config::ServiceConfig*> select(const std::string& name);

  /// Audits start, runs body, then audits done; on an error, audits fail and done
  /// (ok=false) and rethrows.
  int run(const std::function<int()>& body);

  /// Asks "Proceed? [y/N]" (unless --yes) and audits the answer. Throws UsageError when
  /// there is no terminal and no --yes.
  bool confirm(const std::string& what, const std::string& service = {});

  /// Appends an event to the audit log.
  void record(const audit::AuditEvent& event) { m_audit->append(event); }

 private:
  const GlobalOptions& m_options;
  Io& m_io;
  std::string m_command;
  orchestrate::Project m_project;
  std::unique_ptr<audit::AuditLog> m_audit;
  run::RunSettings m_settings;
  std::unique_ptr<run::RunObserver> m_console;
  std::unique_ptr<orchestrate::AuditObserver> m_audit_observer;
  run::ObserverList m_observers;
};

}  // namespace migrate::cli
