// What an apply or a rollback did, as a value: per service, the revisions that committed,
// the one that failed and those never attempted; the run's failure, if any.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "migrate/model/revision.hpp"
#include "migrate/util/error.hpp"

namespace migrate {

/// An error carried as a value: the exit code of DESIGN.md and the one-line message.
struct Failure {
  ExitCode code = ExitCode::failed;
  std::string message;
  /// The signal that stopped the run ("SIGINT", "SIGTERM"); empty otherwise.
  std::string signal;

  bool interrupted() const { return !signal.empty(); }
};

/// Turns the exception in flight into a Failure (migrate Errors keep their code; anything
/// else is exit 1, "internal error: …"). Call only inside a catch block.
Failure current_failure();

/// A revision named in a report.
struct RevisionRef {
  Version version = 0;
  std::string name;
};

/// A revision that committed, and how long it took.
struct CommittedRevision {
  Version version = 0;
  std::string name;
  std::chrono::milliseconds duration{0};
};

/// One service's part of a run.
struct ServiceReport {
  std::string service;
  std::string database;  ///< redacted URL
  std::vector<CommittedRevision> committed;
  std::optional<RevisionRef> failed;  ///< the revision whose failure stopped the run
  std::string error;                  ///< its error, when failed
  std::vector<RevisionRef> not_attempted;
};

/// The result of `up` or `down`.
struct RunReport {
  enum class Outcome {
    nothing_to_do,  ///< no service had work; nothing was changed
    declined,       ///< the operator answered no; nothing was changed
    done,           ///< every planned revision committed
    failed,         ///< stopped by `failure`; `services` says what committed before it
  };
  Outcome outcome = Outcome::nothing_to_do;
  std::vector<ServiceReport> services;
  std::optional<Failure> failure;

  /// Revisions committed across services.
  std::size_t committed() const;
};

}  // namespace migrate
