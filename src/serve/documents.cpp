// The API's JSON documents and the Prometheus metrics, built from the read verbs' values.
#include "serve/documents.hpp"

#include <cstdio>
#include <ctime>
#include <sstream>

namespace migrate::serve {

namespace {

Json lock_object(const std::optional<LockInfo>& lock) {
  if (!lock) return nullptr;
  return {{"holder", lock->holder},
          {"acquired_at", lock->acquired_at},
          {"heartbeat_at", lock->heartbeat_at},
          {"heartbeat_age_seconds", lock->heartbeat_age_seconds}};
}

// A Prometheus label value: backslash, double quote and line feed escaped.
std::string label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void gauge(std::ostringstream& out, const char* name, const char* help, const Snapshot& snapshot,
           double (*value)(const status::ServiceStatus&), bool (*present)(const status::ServiceStatus&)) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
  for (const status::ServiceStatus& s : snapshot.services) {
    if (present && !present(s)) continue;
    char number[64];
    std::snprintf(number, sizeof number, "%.15g", value(s));
    out << name << "{service=\"" << label(s.service) << "\"} " << number << "\n";
  }
}

bool readable(const status::ServiceStatus& s) { return s.state != status::State::error; }

}  // namespace

Json status_document(const Snapshot& snapshot) {
  Json document;
  if (!snapshot.error.empty()) {
    document["success"] = false;
    document["overall_status"] = "error";
    document["total_pending"] = 0;
    document["generated_at"] = snapshot.generated_at;
    document["services"] = Json::object();
    document["error"] = snapshot.error;
    return document;
  }
  const Json base = Json::parse(status::status_json(snapshot.services));
  // false only when no service could be read: one database down still reports the others.
  bool any_read = snapshot.services.empty();
  for (const status::ServiceStatus& s : snapshot.services) any_read = any_read || readable(s);
  document["success"] = any_read;
  document["overall_status"] = base.at("overall_status");
  document["total_pending"] = base.at("total_pending");
  document["generated_at"] = snapshot.generated_at;
  Json services = base.at("services");
  for (const status::ServiceStatus& s : snapshot.services) {
    Json& object = services[s.service];
    object["lock"] = lock_object(s.lock);
    object["last_applied_at"] = s.last_applied_at.empty() ? Json(nullptr) : Json(s.last_applied_at);
  }
  document["services"] = std::move(services);
  return document;
}

Json history_entry(const orchestrate::HistoryEntry& entry) {
  Json object = {{"version", format_version(entry.version)}, {"name", entry.name}, {"state", entry.state}};
  if (entry.applied) {
    object["applied_at"] = entry.applied->applied_at;
    object["duration_ms"] = entry.applied->duration_ms;
    object["applied_by"] = entry.applied->applied_by;
    object["kind"] = entry.applied->kind;
    object["checksum"] = entry.applied->checksum;
    object["checksum_ok"] = entry.checksum_ok;
  } else {
    object["applied_at"] = nullptr;
  }
  return object;
}

Json audit_document(const std::vector<std::string>& lines) {
  Json events = Json::array();
  for (const std::string& line : lines) events.push_back(Json::parse(line, nullptr, false));
  return {{"success", true}, {"events", std::move(events)}};
}

Json backup_entry(const backup::BackupFile& file) {
  Json object = {{"file", file.path.filename().string()}, {"timestamp", file.timestamp}, {"size_bytes", file.size}};
  object["database"] = file.info ? Json(file.info->url) : Json(nullptr);
  return object;
}

Json backups_document(const std::vector<orchestrate::ServiceBackups>& backups) {
  Json services = Json::object();
  for (const orchestrate::ServiceBackups& service : backups) {
    Json files = Json::array();
    for (const backup::BackupFile& file : service.files) files.push_back(backup_entry(file));
    services[service.service] = std::move(files);
  }
  return {{"success", true}, {"services", std::move(services)}};
}

bool ready(const Snapshot& snapshot) {
  if (!snapshot.error.empty()) return false;
  for (const status::ServiceStatus& s : snapshot.services) {
    if (!readable(s)) return false;
  }
  return true;
}

Json readiness_document(const Snapshot& snapshot) {
  Json services = Json::object();
  for (const status::ServiceStatus& s : snapshot.services) {
    Json object = {{"up", readable(s)}};
    if (!readable(s)) object["error"] = s.error;
    services[s.service] = std::move(object);
  }
  Json document = {{"ready", ready(snapshot)}, {"services", std::move(services)}};
  if (!snapshot.error.empty()) document["error"] = snapshot.error;
  return document;
}

std::string metrics_text(const Snapshot& snapshot) {
  std::ostringstream out;
  gauge(
      out, "migrate_pending_revisions", "Revisions on disk not yet applied.", snapshot,
      [](const status::ServiceStatus& s) { return static_cast<double>(s.pending); }, readable);
  gauge(
      out, "migrate_applied_revisions", "Revisions recorded as applied.", snapshot,
      [](const status::ServiceStatus& s) { return static_cast<double>(s.applied); }, readable);
  gauge(
      out, "migrate_dirty", "1 when a revision is marked dirty.", snapshot,
      [](const status::ServiceStatus& s) { return s.dirty ? 1.0 : 0.0; }, readable);
  gauge(
      out, "migrate_lock_held", "1 when the migration lock row is held.", snapshot,
      [](const status::ServiceStatus& s) { return s.lock ? 1.0 : 0.0; }, readable);
  gauge(
      out, "migrate_database_up", "1 when the service's database could be read.", snapshot,
      [](const status::ServiceStatus& s) { return readable(s) ? 1.0 : 0.0; }, nullptr);
  gauge(
      out, "migrate_last_applied_timestamp_seconds", "When the newest revision was applied (Unix time).", snapshot,
      [](const status::ServiceStatus& s) { return epoch_seconds(s.last_applied_at); },
      [](const status::ServiceStatus& s) { return readable(s) && epoch_seconds(s.last_applied_at) >= 0; });
  return out.str();
}

Json error_document(const std::string& message) { return {{"success", false}, {"error", message}}; }

double epoch_seconds(const std::string& iso8601) {
  std::tm tm{};
  int millis = 0;
  char separator = 0;
  const int fields = std::sscanf(iso8601.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                 &separator, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis);
  if (fields < 7 || (separator != 'T' && separator != ' ')) return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t seconds = ::timegm(&tm);
  if (seconds == static_cast<std::time_t>(-1)) return -1;
  return static_cast<double>(seconds) + (fields == 8 ? millis / 1000.0 : 0.0);
}

}  // namespace migrate::serve
