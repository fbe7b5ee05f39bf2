// `migrate lock [status|release --force] [service]`: show or break the migration lock.
// Parses the options, calls orchestrate/lock_admin.hpp, renders the locks.
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/lock_admin.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

std::string describe_holder(const LockInfo& lock, std::optional<bool> alive) {
  std::string text = "held by " + lock.holder + " since " + lock.acquired_at + ", heartbeat " +
                     std::to_string(static_cast<long long>(lock.heartbeat_age_seconds)) + "s ago";
  if (alive) text += *alive ? " (its session is alive)" : " (its session is gone: the next runner takes it over)";
  return text;
}

Json lock_json(const orchestrate::LockState& state) {
  Json entry{{"held", state.holder.has_value()}};
  if (state.holder) {
    entry["holder"] = state.holder->holder;
    entry["acquired_at"] = state.holder->acquired_at;
    entry["heartbeat_at"] = state.holder->heartbeat_at;
    entry["heartbeat_age_seconds"] = state.holder->heartbeat_age_seconds;
  }
  entry["session_alive"] = state.session_alive ? Json(*state.session_alive) : Json(nullptr);
  entry["database"] = state.database;
  return entry;
}

std::string_view to_string(orchestrate::LockRelease::Outcome outcome) {
  switch (outcome) {
    case orchestrate::LockRelease::Outcome::free: return "free";
    case orchestrate::LockRelease::Outcome::released: return "released";
    case orchestrate::LockRelease::Outcome::declined: return "declined";
  }
  return "free";
}

class LockCommand final : public Command {
 public:
  explicit LockCommand(CLI::App& app) {
    app.add_option("action", m_action, "status (default) or release; or a service name (`migrate lock app`)");
    app.add_option("service", m_service, "Only this service's database");
    app.add_flag("--force", m_force, "With release: break the lock even if its holder is alive");
  }

  int run(const GlobalOptions& options, Io& io) override {
    if (m_action != "status" && m_action != "release") {
      // `migrate lock <service>`: the status of that service's lock.
      if (!m_service.empty()) {
        throw UsageError("`migrate lock` takes status or release, then a service; not '" + m_action + "'");
      }
      m_service = m_action;
      m_action = "status";
    }
    if (m_action == "status") return status(options, io);
    if (!m_force) {
      throw UsageError(
          "`migrate lock release` breaks the lock of a runner that may still be working; pass --force to do it");
    }
    return release(options, io);
  }

 private:
  // The JSON keeps each service at the top level beside "success" (its first shape), and
  // also under "services".
  int status(const GlobalOptions& options, Io& io) {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    Json document = Json::object();
    Json services = Json::object();
    std::ostream& out = io.output.always();
    for (const orchestrate::LockState& state : orchestrate::lock_status(project, m_service)) {
      if (state.holder) {
        out << state.service << ": " << describe_holder(*state.holder, state.session_alive) << "\n";
      } else if (state.session_alive.value_or(false)) {
        out << state.service << ": free, but a session holds the advisory lock (a runner is starting)\n";
      } else {
        out << state.service << ": free\n";
      }
      document[state.service] = lock_json(state);
      services[state.service] = lock_json(state);
    }
    document["services"] = std::move(services);
    return io.output.success(document);
  }

  int release(const GlobalOptions& options, Io& io) {
    const auto operation = open_operation(options, io, "lock release");
    Json services = Json::object();
    bool declined = false;
    for (const orchestrate::LockRelease& release : orchestrate::release_lock(*operation, m_service)) {
      switch (release.outcome) {
        case orchestrate::LockRelease::Outcome::free:
          io.output.text() << release.service << ": no lock is held on " << release.database << "\n";
          break;
        case orchestrate::LockRelease::Outcome::released:
          io.output.text() << release.service << ": broke the lock on " << release.database << " held by "
                           << release.holder << "\n";
          break;
        case orchestrate::LockRelease::Outcome::declined:
          io.output.always() << "Cancelled; the lock on " << release.database << " was left alone.\n";
          declined = true;
          break;
      }
      Json entry{{"outcome", to_string(release.outcome)}, {"database", release.database}};
      if (!release.holder.empty()) entry["holder"] = release.holder;
      entry["session_terminated"] = release.session_terminated;
      services[release.service] = std::move(entry);
    }
    if (declined) {
      return io.output.document(false, static_cast<int>(ExitCode::usage),
                                "declined at the prompt: the lock was left alone", {{"services", services}});
    }
    return io.output.success({{"services", services}});
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
