// The verbs that rewrite the history without running revisions: stamp and repair.
#pragma once

#include <string>

#include "migrate/orchestrate/operation.hpp"

namespace migrate::orchestrate {

/// What `stamp` is asked for: a version, "head" or "base".
struct StampRequest {
  std::string service;
  std::string target;  ///< "head", "base" or a version ("6", "0006")
};

/// What stamp did.
struct StampReport {
  std::string service;
  std::optional<Version> target;  ///< nullopt: base
  run::StampResult changes;
};

/// Makes the history say exactly "everything up to target is applied", under the lock,
/// audited (`stamp`). Throws UsageError for an unknown version, LockHeld, and the
/// driver's errors; the audit log has the failure.
StampReport stamp(Operation& operation, const StampRequest& request);

/// What repair did, for one service.
struct RepairReport {
  std::string service;
  run::RepairResult result;
};

/// "dirty flag cleared, checksum re-recorded", for an audit line or a person.
std::string describe(const run::RepairResult::Change& change);

/// Re-records name, kind and checksum of applied revisions from their files and clears
/// dirty flags, under the lock, audited (`repair`, one line per version). Throws like stamp.
RepairReport repair(Operation& operation, const std::string& service);

/// Parses a version argument ("6", "0006"). Throws UsageError naming `option`.
Version parse_version(const std::string& text, const std::string& option);

/// A --step count: at least 1. Throws UsageError otherwise.
int parse_step(int step);

/// Where `up`/`down` go when told in Alembic's words, after the service: `head` (up:
/// everything), `base` (down: everything), `+N` (up) or `-N` (down) revisions, or a version.
struct RelativeTarget {
  enum class Kind { head, base, steps, version };
  Kind kind = Kind::head;
  int steps = 0;        ///< Kind::steps
  Version version = 0;  ///< Kind::version
};

/// Parses a target for `up` (upward true: head, +N, a version) or `down` (base, -N, a
/// version). Throws UsageError saying which forms the command takes.
RelativeTarget parse_target(const std::string& text, bool upward);

/// Whether text reads as a target (head, base, +N, -N, a version) rather than a service:
/// `migrate up +2` on a manifest with one service.
bool looks_like_target(const std::string& text);

/// `given`, or when it is empty the manifest's only service. Throws UsageError naming
/// the services when there are several (`what` says which command needs one).
std::string sole_service(const config::Manifest& manifest, const std::string& given, const std::string& what);

}  // namespace migrate::orchestrate
