// The audited frame of a command that changes databases: the project, the audit log, the
// run settings, the observers and audited confirmations. Every verb in orchestrate/ that
// changes something runs inside one.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "migrate/audit/audit_log.hpp"
#include "migrate/model/run_report.hpp"
#include "migrate/orchestrate/audit_observer.hpp"
#include "migrate/orchestrate/project.hpp"
#include "migrate/run/runner.hpp"

namespace migrate::orchestrate {

/// The operator's answer to a confirmation.
enum class Answer {
  yes,
  assumed_yes,  ///< --yes: not asked
  no,
};

/// Asks the operator to confirm `what`. Throws UsageError when nobody can be asked.
using Confirm = std::function<Answer(const std::string& what)>;

/// What a command tells its operation.
struct OperationOptions {
  std::filesystem::path config = "migrate.toml";
  std::optional<std::string> database_url;  ///< --database-url
  std::string command;                      ///< the audit lines' "command" ("up", "lock release", …)
  std::string command_line;                 ///< argv, audited in the `start` line (secrets masked)
  std::chrono::milliseconds lock_wait{60'000};
};

/// Owns what one changing command needs. Verbs call begin() first and finish_ok() or
/// finish_failed() last (see audited()), so the audit log has one start and one done per
/// command. A verb run inside another's begin/finish (`transfer full` runs `up` and the
/// copy) adds its lines to the outer trail: only the outermost pair writes start and done.
/// Not copyable.
class Operation {
 public:
  /// Loads the project and opens its audit log. `progress` receives the run's events
  /// beside the audit log. Throws ConfigError for a bad manifest, Error when the audit
  /// log cannot be opened.
  Operation(const OperationOptions& options, run::RunObserver& progress, Confirm confirm);
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;

  Project& project() { return m_project; }
  audit::AuditLog& audit() { return *m_audit; }
  run::RunObserver& observer() { return m_observers; }
  run::RunSettings& settings() { return m_settings; }

  /// The named service (or all, in dependency order) with URLs resolved, their secrets
  /// registered for masking and their revisions validated.
  std::vector<const config::ServiceConfig*> select(const std::string& name);

  /// Asks, and audits the answer (`confirm` or `decline`). Returns true to go on.
  bool confirm(const std::string& what, const std::string& service = {});

  /// Appends an event to the audit log.
  void record(const audit::AuditEvent& event) { m_audit->append(event); }

  /// Writes the `start` line (for up and down together with their next line).
  void begin();
  /// Writes `done`. Throws when the audit log cannot take it.
  void finish_ok();
  /// Writes `fail`, or `interrupted` for a signal (unless the run already wrote the
  /// line, with its revision), and `done` with ok=false. Never throws: the original
  /// error is the one to report.
  void finish_failed(const Failure& failure) noexcept;

  /// begin(), body(), finish_ok(); on an exception finish_failed() and rethrow.
  template <typename Body>
  auto audited(Body&& body) -> decltype(body()) {
    begin();
    try {
      if constexpr (std::is_void_v<decltype(body())>) {
        body();
        finish_ok();
      } else {
        auto result = body();
        finish_ok();
        return result;
      }
    } catch (...) {
      finish_failed(current_failure());
      throw;
    }
  }

 private:
  OperationOptions m_options;
  Project m_project;
  std::unique_ptr<audit::AuditLog> m_audit;
  run::RunSettings m_settings;
  Confirm m_confirm;
  std::unique_ptr<AuditObserver> m_audit_observer;
  run::ObserverList m_observers;
  std::chrono::steady_clock::time_point m_started;
  bool m_finished = false;  ///< `done` was written (or its write was tried): never twice
  int m_depth = 0;          ///< begin() calls not yet finished: verbs nested in another's frame
};

/// Lock policy and recording settings for a run: the lock wait given, the rest from the
/// manifest and this process (user@host, user@host:pid).
run::RunSettings make_run_settings(const config::Manifest& manifest, std::chrono::milliseconds lock_wait);

}  // namespace migrate::orchestrate
