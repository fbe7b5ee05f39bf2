// Dropping import-kv's old raw_* staging tables; see staging_cleanup.hpp.
#include "migrate/orchestrate/staging_cleanup.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <map>

#include "migrate/audit/audit_reader.hpp"
#include "migrate/run/lock_guard.hpp"
#include "migrate/step/step.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::orchestrate {

namespace {

constexpr std::size_t k_audit_events = 1'000'000;

// "2026-12-07T19:50:46.983Z" -> seconds since the epoch; -1 when it is not that shape.
std::int64_t parse_timestamp(const std::string& text) {
  std::tm parts{};
  if (::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts) == nullptr) return -1;
  return static_cast<std::int64_t>(::timegm(&parts));
}

// service -> table -> the newest successful import's timestamp.
std::map<std::string, std::map<std::string, std::string>> last_imports(const std::filesystem::path& log) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const std::string& line : audit::read_recent_events(log, k_audit_events)) {
    const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_object() || event.value("event", "") != "import" || event.value("ok", false) != true) continue;
    if (!event["service"].is_string() || !event["detail"].is_string() || !event["ts"].is_string()) continue;
    const std::string detail = event["detail"];
    const std::size_t colon = detail.find(':');
    if (colon == std::string::npos || !util::starts_with(detail, "raw_")) continue;
    auto& newest = out[event["service"].get<std::string>()][detail.substr(0, colon)];
    if (newest.empty()) newest = event["ts"];  // events come newest first
  }
  return out;
}

}  // namespace

CleanupResult cleanup_staging(Operation& operation, const std::string& service, std::chrono::milliseconds older_than,
                              bool dry_run) {
  const auto services = operation.select(service);
  return operation.audited([&] {
    CleanupResult result;
    const auto imports = last_imports(operation.project().manifest().defaults.audit_log);
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    const std::int64_t limit = std::chrono::duration_cast<std::chrono::seconds>(older_than).count();
    std::map<const config::ServiceConfig*, std::vector<std::string>> to_drop;
    for (const config::ServiceConfig* each : services) {
      db::Driver& driver = operation.project().driver(*each);
      std::vector<std::string> tables;
      driver.transact([&](step::Session& session) {
        const std::string sql = session.dialect() == Dialect::sqlite
                                    ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'raw\\_%' ESCAPE '\\' ORDER BY name"
                                    : "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() "
                                      "AND tablename LIKE 'raw\\_%' ORDER BY tablename";
        for (const step::Row& row : session.query(sql)) tables.push_back(row.text(0));
      });
      for (const std::string& table : tables) {
        StagingTable entry{each->name, table, "", ""};
        const auto by_service = imports.find(each->name);
        if (by_service != imports.end() && by_service->second.count(table) != 0) {
          entry.imported_at = by_service->second.at(table);
        }
        const std::int64_t at = entry.imported_at.empty() ? -1 : parse_timestamp(entry.imported_at);
        if (at < 0) {
          entry.action = "kept: age unknown (no import of it in the audit log)";
        } else if (now - at < limit) {
          entry.action = "kept: younger";
        } else {
          entry.action = dry_run ? "would drop" : "dropped";
          to_drop[each].push_back(table);
        }
        result.tables.push_back(entry);
      }
    }
    if (dry_run || to_drop.empty()) return result;
    std::string what = "drop";
    for (const auto& [each, tables] : to_drop) what += " " + util::join(tables, ", ") + " (" + each->name + ")";
    if (!operation.confirm(what)) {
      result.declined = true;
      for (StagingTable& entry : result.tables) {
        if (entry.action == "dropped") entry.action = "kept: declined";
      }
      return result;
    }
    for (const auto& [each, tables] : to_drop) {
      db::Driver& driver = operation.project().driver(*each);
      run::LockGuard lock(driver, operation.settings().lock, each->name, operation.observer());
      for (const std::string& table : tables) {
        driver.transact([&](step::Session& session) { session.execute("DROP TABLE " + step::quote_identifier(table)); });
        audit::AuditEvent event;
        event.event = "cleanup";
        event.service = each->name;
        event.detail = "dropped staging table " + table;
        operation.record(event);
      }
    }
    return result;
  });
}

}  // namespace migrate::orchestrate
