// The run gate: dirty rows and drift, worded with the way out.
#include "migrate/plan/gate.hpp"

#include "migrate/plan/plan.hpp"

namespace migrate::plan {

std::string dirty_advice(std::string_view service_name, Version version, const std::vector<AppliedRevision>& history) {
  const std::string service(service_name);
  std::optional<Version> before;  // none: base (a revision numbered 0 is a version like any other)
  bool highest = true;
  for (const AppliedRevision& row : history) {
    if (row.version < version) before = row.version;
    if (row.version > version) highest = false;
  }
  // stamp forgets every row above its target: right only when the dirty row is the last.
  const std::string forget =
      highest ? "`migrate stamp " + service + " " + (before ? format_version(*before) : std::string("base")) + "`"
              : "deleting its row (DELETE FROM schema_migrations WHERE service = '" + service +
                    "' AND version = " + std::to_string(version) + ")";
  return "finish or undo it by hand, then run `migrate repair " + service + "` if it is now fully applied, or " +
         forget + " if it is fully undone";
}

std::optional<std::string> blocked_reason(std::string_view service_name, const std::vector<Revision>& revisions,
                                          const std::vector<AppliedRevision>& history, bool allow_drift) {
  const std::string service(service_name);
  if (std::optional<AppliedRevision> dirty = find_dirty(history)) {
    return "service '" + service + "' is dirty at revision " + format_version(dirty->version) + "_" + dirty->name +
           ": it ran outside a transaction and stopped partway; " + dirty_advice(service, dirty->version, history);
  }
  if (allow_drift) return std::nullopt;
  const std::vector<Drift> drift = check_drift(revisions, history);
  if (drift.empty()) return std::nullopt;
  std::string message = "service '" + service + "' has drift: " + drift.front().describe();
  if (drift.size() > 1) message += " (and " + std::to_string(drift.size() - 1) + " more)";
  return message + "; see `migrate verify " + service + "`, or pass --allow-drift";
}

}  // namespace migrate::plan
