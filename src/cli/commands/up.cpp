// `migrate up [service]`: apply pending revisions in dependency order, backing up first.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/session.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

struct ServicePlan {
  const config::ServiceConfig* service;
  std::vector<Revision> revisions;
  // The preview let a dirty row pass because a runner holds the lock: only the locked
  // run can tell whether that runner finishes it or left it behind.
  bool needs_locked_check = false;
};

using Applied = std::vector<std::pair<std::string, std::vector<Revision>>>;

class UpCommand final : public Command {
 public:
  explicit UpCommand(CLI::App& app) {
    app.add_option("service", m_service, "Only this service (default: all, in dependency order)");
    app.add_option("--to", m_to, "Apply up to and including this version");
    app.add_option("--step", m_step, "Apply at most this many revisions")->check(CLI::PositiveNumber);
    app.add_flag("--dry-run", m_dry_run, "Print the SQL that would run and change nothing");
    app.add_flag("--allow-out-of-order", m_target.allow_out_of_order,
                 "Apply pending revisions numbered below the applied head");
    app.add_flag("--allow-drift", m_allow_drift, "Run even though applied revision files were edited");
    add_backup_options(app, m_no_backup, m_backup_format);
  }

  int run(const GlobalOptions& options, Io& io) override {
    if ((m_to || m_step) && m_service.empty()) {
      throw UsageError("--to and --step need a service: migrate up <service> --to V");
    }
    if (m_to) m_target.to = parse_version_argument(*m_to, "--to");
    if (m_step) m_target.step = *m_step;
    const auto backups = backup_options(m_no_backup, m_backup_format);
    if (m_dry_run) return dry_run(options, io);

    Session session(options, io, "up");
    const auto services = session.select(m_service);
    session.settings().allow_drift = m_allow_drift;
    return session.run([&] {
      const std::vector<ServicePlan> plans = preview(session.project(), services);
      std::size_t total = 0;
      for (const ServicePlan& plan : plans) total += plan.revisions.size();
      const bool unsettled = std::any_of(plans.begin(), plans.end(),
                                         [](const ServicePlan& plan) { return plan.needs_locked_check; });
      if (total == 0 && !unsettled) {
        return finish(options, io, {}, "nothing to apply: every selected service is up to date");
      }
      if (total != 0 && !options.json && !options.quiet) {
        print_plan(io, session.project(), plans);
        io.out << describe_backup(backups, session.project().manifest()) << "\n";
      }
      if (total != 0 && !session.confirm("apply " + std::to_string(total) + " revision(s)", m_service)) {
        io.out << "Cancelled; nothing was applied.\n";
        return 0;
      }
      orchestrate::RunBackups run_backups(session.project(), session.audit(), backups);
      Applied applied;
      for (const ServicePlan& plan : plans) {
        const config::ServiceConfig& service = *plan.service;
        applied.emplace_back(service.name,
                             run::run_up(session.project().driver(service), session.project().revisions(service),
                                         m_target, session.settings(), session.observer(),
                                         [&] { run_backups.before_changes(service); }));
      }
      std::size_t count = 0;
      for (const auto& entry : applied) count += entry.second.size();
      return finish(options, io, applied, "applied " + std::to_string(count) + " revision(s)");
    });
  }

 private:
  // What would run, read without the lock: for the prompt and --dry-run. The run itself
  // plans again under the lock.
  std::vector<ServicePlan> preview(orchestrate::Project& project,
                                   const std::vector<const config::ServiceConfig*>& services) const {
    std::vector<ServicePlan> plans;
    for (const config::ServiceConfig* service : services) {
      const run::ServiceRevisions& revisions = project.revisions(*service);
      db::Driver& driver = project.driver(*service);
      const auto history = driver.read_history(service->name);
      const bool excused = run::check_runnable_unlocked(driver, revisions, history, m_allow_drift);
      plans.push_back({service, plan::make_up_plan(service->name, revisions.revisions, history, m_target), excused});
    }
    return plans;
  }

  int dry_run(const GlobalOptions& options, Io& io) const {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const auto services = project.select(m_service);
    project.load_all(services);
    const std::vector<ServicePlan> plans = preview(project, services);
    if (options.json) {
      nlohmann::ordered_json by_service = nlohmann::ordered_json::object();
      for (const ServicePlan& plan : plans) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const Revision& revision : plan.revisions) {
          list.push_back({{"version", format_version(revision.version)},
                          {"name", revision.name},
                          {"file", revision.up.path.string()},
                          {"sql", revision.up.sql}});
        }
        by_service[plan.service->name] = std::move(list);
      }
      io.out << nlohmann::ordered_json{{"success", true}, {"dry_run", true}, {"services", by_service}}.dump(2)
             << "\n";
      return 0;
    }
    for (const ServicePlan& plan : plans) {
      for (const Revision& revision : plan.revisions) {
        io.out << "-- " << plan.service->name << " " << revision.label() << " on "
               << project.url(*plan.service).redacted << "\n-- " << revision.up.path.string() << "\n";
        if (revision.step != nullptr) io.out << "-- (C++ step: runs its up() in one transaction)\n";
        io.out << revision.up.sql;
        if (!revision.up.sql.empty() && revision.up.sql.back() != '\n') io.out << "\n";
        io.out << "-- then record " << format_version(revision.version)
               << " in schema_migrations (checksum " << revision.checksum << ")\n\n";
      }
    }
    io.out << "-- dry run: nothing was changed\n";
    return 0;
  }

  static void print_plan(Io& io, orchestrate::Project& project, const std::vector<ServicePlan>& plans) {
    for (const ServicePlan& plan : plans) {
      if (plan.revisions.empty()) continue;
      io.out << plan.service->name << " (" << project.url(*plan.service).redacted << "): apply "
             << plan.revisions.front().label();
      if (plan.revisions.size() > 1) io.out << " .. " << plan.revisions.back().label();
      io.out << " (" << plan.revisions.size() << " revision(s))\n";
    }
  }

  static int finish(const GlobalOptions& options, Io& io, const Applied& applied, const std::string& summary) {
    if (options.json) {
      nlohmann::ordered_json services = nlohmann::ordered_json::object();
      for (const auto& [service, revisions] : applied) {
        nlohmann::ordered_json versions = nlohmann::ordered_json::array();
        for (const Revision& revision : revisions) versions.push_back(format_version(revision.version));
        services[service] = {{"applied", versions}};
      }
      io.out << nlohmann::ordered_json{{"success", true}, {"message", summary}, {"services", services}}.dump(2)
             << "\n";
    } else if (!options.quiet) {
      io.out << summary << "\n";
    }
    return 0;
  }

  std::string m_service;
  std::optional<std::string> m_to;
  std::optional<int> m_step;
  bool m_dry_run = false;
  bool m_allow_drift = false;
  bool m_no_backup = false;
  std::string m_backup_format = "plain";
  plan::UpTarget m_target;
};

}  // namespace

Registered add_up_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("up", "Apply pending revisions (backing up first)");
  return {sub, std::make_unique<UpCommand>(*sub)};
}

}  // namespace migrate::cli
