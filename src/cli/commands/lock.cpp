// `migrate lock [status|release --force] [service]`: show or break the migration lock.
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "cli/command.hpp"
#include "cli/session.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

std::string describe_holder(const db::LockInfo& lock, std::optional<bool> alive) {
  std::string text = "held by " + lock.holder + " since " + lock.acquired_at + ", heartbeat " +
                     std::to_string(static_cast<long long>(lock.heartbeat_age_seconds)) + "s ago";
  if (alive) text += *alive ? " (its session is alive)" : " (its session is gone: the next runner takes it over)";
  return text;
}

class LockCommand final : public Command {
 public:
  explicit LockCommand(CLI::App& app) {
    app.add_option("action", m_action, "status (default) or release")
        ->check(CLI::IsMember({"status", "release"}));
    app.add_option("service", m_service, "Only this service's database");
    app.add_flag("--force", m_force, "With release: break the lock even if its holder is alive");
  }

  int run(const GlobalOptions& options, Io& io) override {
    if (m_action == "status") return status(options, io);
    if (!m_force) {
      throw UsageError(
          "`migrate lock release` breaks the lock of a runner that may still be working; pass --force to do it");
    }
    return release(options, io);
  }

 private:
  int status(const GlobalOptions& options, Io& io) {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    nlohmann::ordered_json document = nlohmann::ordered_json::object();
    for (const config::ServiceConfig* service : project.select(m_service)) {
      db::Driver& driver = project.driver(*service);
      const std::optional<db::LockInfo> lock = driver.read_lock();
      const std::optional<bool> alive = driver.lock_session_alive();
      if (options.json) {
        nlohmann::ordered_json entry{{"held", lock.has_value()}};
        if (lock) {
          entry["holder"] = lock->holder;
          entry["acquired_at"] = lock->acquired_at;
          entry["heartbeat_at"] = lock->heartbeat_at;
          entry["heartbeat_age_seconds"] = lock->heartbeat_age_seconds;
        }
        entry["session_alive"] = alive ? nlohmann::ordered_json(*alive) : nlohmann::ordered_json(nullptr);
        document[service->name] = entry;
      } else if (lock) {
        io.out << service->name << ": " << describe_holder(*lock, alive) << "\n";
      } else if (alive.value_or(false)) {
        io.out << service->name << ": free, but a session holds the advisory lock (a runner is starting)\n";
      } else {
        io.out << service->name << ": free\n";
      }
    }
    if (options.json) io.out << document.dump(2) << "\n";
    return 0;
  }

  int release(const GlobalOptions& options, Io& io) {
    Session session(options, io, "lock release");
    const auto services = session.select(m_service);
    return session.run([&] {
      std::set<std::string> released;  // services may share one database, and so one lock
      for (const config::ServiceConfig* service : services) {
        const std::string database = session.project().url(*service).redacted;
        if (released.count(database) != 0) continue;
        db::Driver& driver = session.project().driver(*service);
        const std::optional<db::LockInfo> lock = driver.read_lock();
        const bool alive = driver.lock_session_alive().value_or(false);
        if (!lock && !alive) {
          if (!options.quiet) io.out << service->name << ": no lock is held on " << database << "\n";
          continue;
        }
        const std::string holder = lock ? lock->holder : "a session holding the advisory lock";
        if (!session.confirm("break the migration lock on " + database + " held by " + holder +
                                 (alive ? "; its session is alive and will be terminated" : ""),
                             service->name)) {
          return static_cast<int>(ExitCode::ok);
        }
        const std::optional<db::LockInfo> removed = driver.break_lock(lock ? lock->holder : std::string());
        released.insert(database);
        audit::AuditEvent event;
        event.event = "lock_broken";
        event.service = service->name;
        event.detail = "released by `lock release --force`; holder was " + holder +
                       (alive ? " (session terminated)" : "");
        session.record(event);
        if (!options.quiet) {
          io.out << service->name << ": broke the lock on " << database << " held by "
                 << (removed ? removed->holder : holder) << "\n";
        }
      }
      return 0;
    });
  }

  std::string m_action = "status";
  std::string m_service;
  bool m_force = false;
};

}  // namespace

Registered add_lock_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("lock", "Show the migration lock (status) or break it (release --force)");
  return {sub, std::make_unique<LockCommand>(*sub)};
}

}  // namespace migrate::cli
