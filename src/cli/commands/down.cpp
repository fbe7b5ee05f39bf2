// `migrate down <service>`: roll back applied revisions, newest first.
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/session.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

class DownCommand final : public Command {
 public:
  explicit DownCommand(CLI::App& app) {
    app.add_option("service", m_service, "The service to roll back")->required();
    auto* step = app.add_option("--step", m_step, "Roll back this many revisions (default 1)")
                     ->check(CLI::PositiveNumber);
    auto* to = app.add_option("--to", m_to, "Roll back every revision above this version (0 = all)");
    auto* all = app.add_flag("--all", m_all, "Roll back every applied revision");
    step->excludes(to)->excludes(all);
    to->excludes(all);
    app.add_flag("--dry-run", m_dry_run, "Print the SQL that would run and change nothing");
    app.add_flag("--allow-drift", m_allow_drift, "Run even though applied revision files were edited");
    add_backup_options(app, m_no_backup, m_backup_format);
  }

  int run(const GlobalOptions& options, Io& io) override {
    plan::DownTarget target;
    if (m_all) target.mode = plan::DownTarget::Mode::all;
    else if (m_to) {
      target.mode = plan::DownTarget::Mode::to;
      target.to = parse_version_argument(*m_to, "--to");
    } else {
      target.step = m_step.value_or(1);
    }
    const auto backups = backup_options(m_no_backup, m_backup_format);
    if (m_dry_run) return dry_run(options, io, target);

    Session session(options, io, "down");
    const config::ServiceConfig& service = *session.select(m_service).front();
    session.settings().allow_drift = m_allow_drift;
    return session.run([&] {
      orchestrate::Project& project = session.project();
      const std::vector<Revision> plan = preview(project, service, target);
      if (plan.empty()) {
        if (!options.quiet) io.out << "nothing to roll back: " << service.name << " has no applied revisions\n";
        return 0;
      }
      if (!options.json && !options.quiet) {
        io.out << service.name << " (" << project.url(service).redacted << "): roll back " << plan.front().label();
        if (plan.size() > 1) io.out << " .. " << plan.back().label();
        io.out << " (" << plan.size() << " revision(s))\n" << describe_backup(backups, project.manifest()) << "\n";
      }
      if (!session.confirm("roll back " + std::to_string(plan.size()) + " revision(s) of " + service.name,
                           service.name)) {
        io.out << "Cancelled; nothing was rolled back.\n";
        return 0;
      }
      orchestrate::RunBackups run_backups(project, session.audit(), backups);
      const std::vector<Revision> reverted =
          run::run_down(project.driver(service), project.revisions(service), target, session.settings(),
                        session.observer(), [&] { run_backups.before_changes(service); });
      if (options.json) {
        nlohmann::ordered_json versions = nlohmann::ordered_json::array();
        for (const Revision& revision : reverted) versions.push_back(format_version(revision.version));
        io.out << nlohmann::ordered_json{{"success", true},
                                         {"services", {{service.name, {{"rolled_back", versions}}}}}}
                      .dump(2)
               << "\n";
      } else if (!options.quiet) {
        io.out << "rolled back " << reverted.size() << " revision(s)\n";
      }
      return 0;
    });
  }

 private:
  std::vector<Revision> preview(orchestrate::Project& project, const config::ServiceConfig& service,
                                const plan::DownTarget& target) const {
    const run::ServiceRevisions& revisions = project.revisions(service);
    db::Driver& driver = project.driver(service);
    const auto history = driver.read_history(service.name);
    // A dirty row let pass here is still in the history, so the plan is never empty for
    // it and the locked run checks it again.
    (void)run::check_runnable_unlocked(driver, revisions, history, m_allow_drift);
    return plan::make_down_plan(service.name, revisions.revisions, history, target);
  }

  int dry_run(const GlobalOptions& options, Io& io, const plan::DownTarget& target) const {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const config::ServiceConfig& service = project.manifest().service(m_service);
    const std::string database = project.url(service).redacted;
    for (const Revision& revision : preview(project, service, target)) {
      io.out << "-- " << service.name << " " << revision.label() << " (down) on " << database << "\n-- "
             << revision.down->path.string() << "\n";
      if (revision.step != nullptr) io.out << "-- (C++ step: runs its down() in one transaction)\n";
      io.out << revision.down->sql;
      if (!revision.down->sql.empty() && revision.down->sql.back() != '\n') io.out << "\n";
      io.out << "-- then remove " << format_version(revision.version) << " from schema_migrations\n\n";
    }
    io.out << "-- dry run: nothing was changed\n";
    return 0;
  }

  std::string m_service;
  std::optional<int> m_step;
  std::optional<std::string> m_to;
  bool m_all = false;
  bool m_dry_run = false;
  bool m_allow_drift = false;
  bool m_no_backup = false;
  std::string m_backup_format = "plain";
};

}  // namespace

Registered add_down_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("down", "Roll back a service's revisions (default: one)");
  return {sub, std::make_unique<DownCommand>(*sub)};
}

}  // namespace migrate::cli
