// Reading and breaking the migration lock on behalf of an operator.
#include "migrate/orchestrate/lock_admin.hpp"

#include <set>

namespace migrate::orchestrate {

std::vector<LockState> lock_status(Project& project, const std::string& name) {
  std::vector<LockState> states;
  for (const config::ServiceConfig* service : project.select(name)) {
    db::Driver& driver = project.driver(*service);
    LockState state{service->name, project.url(*service).redacted, driver.lock().read(), std::nullopt};
    state.session_alive = driver.lock().session_alive();
    states.push_back(std::move(state));
  }
  return states;
}

std::vector<LockRelease> release_lock(Operation& operation, const std::string& name) {
  const auto services = operation.select(name);
  return operation.audited([&] {
    std::vector<LockRelease> releases;
    std::set<std::string> seen;  // services may share one database, and so one lock
    for (const config::ServiceConfig* service : services) {
      const std::string database = operation.project().url(*service).redacted;
      if (!seen.insert(database).second) continue;
      db::Driver& driver = operation.project().driver(*service);
      const std::optional<LockInfo> lock = driver.lock().read();
      const bool alive = driver.lock().session_alive().value_or(false);
      LockRelease release{service->name, database, LockRelease::Outcome::free, {}, false};
      if (!lock && !alive) {
        releases.push_back(release);
        continue;
      }
      release.holder = lock ? lock->holder : "a session holding the advisory lock";
      if (!operation.confirm("break the migration lock on " + database + " held by " + release.holder +
                                 (alive ? "; its session is alive and will be terminated" : ""),
                             service->name)) {
        release.outcome = LockRelease::Outcome::declined;
        releases.push_back(release);
        break;
      }
      const std::optional<LockInfo> removed = driver.lock().break_lock(lock ? lock->holder : std::string());
      if (removed) release.holder = removed->holder;
      release.outcome = LockRelease::Outcome::released;
      release.session_terminated = alive;
      audit::AuditEvent event;
      event.event = "lock_broken";
      event.service = service->name;
      event.detail = "released by `lock release --force`; holder was " + release.holder +
                     (alive ? " (session terminated)" : "");
      operation.record(event);
      releases.push_back(release);
    }
    return releases;
  });
}

}  // namespace migrate::orchestrate
