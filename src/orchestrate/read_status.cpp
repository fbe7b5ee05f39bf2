// Reading status and history for the read-only front ends (status, history, serve).
#include "migrate/orchestrate/read_status.hpp"

#include <map>

#include "migrate/plan/plan.hpp"
#include "migrate/util/error.hpp"

namespace migrate::orchestrate {

std::vector<status::ServiceStatus> read_status(Project& project, const std::string& service) {
  std::vector<status::ServiceStatus> report;
  for (const config::ServiceConfig* selected : project.select(service)) {
    std::string database;
    try {
      database = project.url(*selected).redacted;
      const ServiceRevisions& revisions = project.revisions(*selected);
      db::Driver& driver = project.driver(*selected);
      const std::optional<LockInfo> lock = driver.lock().read();
      report.push_back(status::summarize(selected->name, database, revisions.revisions,
                                         driver.history().read(selected->name), lock,
                                         lock_live(driver, lock, project.manifest().defaults.lock_stale_after)));
    } catch (const Error& e) {
      report.push_back(status::failed_status(selected->name, database, e.what()));
    }
  }
  return report;
}

bool lock_live(db::Driver& driver, const std::optional<LockInfo>& lock, std::chrono::milliseconds stale_after) {
  if (!lock) return false;
  if (const std::optional<bool> alive = driver.lock().session_alive()) return *alive;
  return lock->heartbeat_age_seconds * 1000.0 < static_cast<double>(stale_after.count());
}

std::vector<HistoryEntry> read_history(Project& project, const config::ServiceConfig& service) {
  const std::vector<Revision>& revisions = project.revisions(service).revisions;
  const std::vector<AppliedRevision> history = project.driver(service).history().read(service.name);
  std::map<Version, HistoryEntry> entries;
  for (const Revision& revision : revisions) {
    HistoryEntry& entry = entries[revision.version];
    entry.version = revision.version;
    entry.name = revision.name;
    entry.state = "pending";
    entry.file = revision.up.path.string();
  }
  for (const AppliedRevision& row : history) {
    HistoryEntry& entry = entries[row.version];
    const bool on_disk = !entry.name.empty();
    entry.version = row.version;
    entry.name = row.name;
    entry.applied = row;
    entry.state = row.dirty ? "dirty" : on_disk ? "applied" : "missing_file";
  }
  for (const plan::Drift& drift : plan::check_drift(revisions, history)) entries[drift.version].checksum_ok = false;
  std::vector<HistoryEntry> out;
  out.reserve(entries.size());
  for (auto& [version, entry] : entries) out.push_back(std::move(entry));
  return out;
}

}  // namespace migrate::orchestrate
