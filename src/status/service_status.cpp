// Status summaries and their JSON form.
#include "migrate/status/service_status.hpp"

#include <algorithm>

#include "status/status_json.hpp"

namespace migrate::status {

nlohmann::ordered_json drift_object(const plan::Drift& drift) {
  return {{"version", format_version(drift.version)},
          {"name", drift.name},
          {"kind", std::string(plan::to_string(drift.kind))},
          {"file", drift.file},
          {"recorded_checksum", drift.recorded},
          {"file_checksum", drift.actual}};
}

nlohmann::ordered_json version_or_null(const std::optional<Version>& version) {
  return version ? nlohmann::ordered_json(format_version(*version)) : nlohmann::ordered_json(nullptr);
}

std::string_view to_string(State state) noexcept {
  switch (state) {
    case State::up_to_date: return "up_to_date";
    case State::pending: return "pending";
    case State::locked: return "locked";
    case State::drift: return "drift";
    case State::dirty: return "dirty";
    case State::error: return "error";
  }
  return "error";
}

ServiceStatus summarize(const std::string& service, const std::string& database,
                        const std::vector<Revision>& revisions,
                        const std::vector<AppliedRevision>& history,
                        const std::optional<LockInfo>& lock, bool lock_live) {
  ServiceStatus status;
  status.service = service;
  status.database = database;
  if (!history.empty()) status.current = history.back().version;
  if (!revisions.empty()) status.latest = revisions.back().version;
  status.applied = history.size();
  status.pending = plan::pending_revisions(revisions, history).size();
  status.drift = plan::check_drift(revisions, history);
  status.dirty = plan::find_dirty(history);
  status.lock = lock;
  for (const AppliedRevision& row : history) status.last_applied_at = std::max(status.last_applied_at, row.applied_at);
  if (status.dirty) status.state = State::dirty;
  else if (!status.drift.empty()) status.state = State::drift;
  else if (lock && lock_live) status.state = State::locked;
  else if (status.pending > 0) status.state = State::pending;
  return status;
}

ServiceStatus failed_status(const std::string& service, const std::string& database,
                            const std::string& error) {
  ServiceStatus status;
  status.service = service;
  status.database = database;
  status.state = State::error;
  status.error = error;
  return status;
}

State overall_state(const std::vector<ServiceStatus>& services) {
  State worst = State::up_to_date;
  for (const ServiceStatus& service : services) worst = std::max(worst, service.state);
  return worst;
}

std::string drift_json(const plan::Drift& drift) { return drift_object(drift).dump(); }

std::string status_json(const std::vector<ServiceStatus>& services) {
  nlohmann::ordered_json document;
  const State overall = overall_state(services);
  std::size_t total_pending = 0;
  nlohmann::ordered_json by_name = nlohmann::ordered_json::object();
  for (const ServiceStatus& service : services) {
    total_pending += service.pending;
    nlohmann::ordered_json drift = nlohmann::ordered_json::array();
    for (const plan::Drift& entry : service.drift) drift.push_back(drift_object(entry));
    nlohmann::ordered_json object = {{"status", std::string(to_string(service.state))},
                             {"database", service.database},
                             {"current_revision", version_or_null(service.current)},
                             {"latest_revision", version_or_null(service.latest)},
                             {"applied", service.applied},
                             {"pending", service.pending},
                             {"drift", drift},
                             {"dirty", service.dirty.has_value()}};
    if (service.dirty) object["dirty_revision"] = format_version(service.dirty->version);
    object["lock_holder"] = service.lock ? nlohmann::ordered_json(service.lock->holder) : nlohmann::ordered_json(nullptr);
    if (service.state == State::error) object["error"] = service.error;
    by_name[service.service] = std::move(object);
  }
  document["success"] = overall != State::error;
  document["overall_status"] = std::string(to_string(overall));
  document["total_pending"] = total_pending;
  document["services"] = std::move(by_name);
  return document.dump(2);
}

}  // namespace migrate::status
