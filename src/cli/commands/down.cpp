// `migrate down <service>`: roll back applied revisions, newest first.
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
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

    orchestrate::Project project =
        open_project(options, m_dry_run ? db::OpenMode::read_only : db::OpenMode::read_write);
    const config::ServiceConfig& service = project.manifest().service(m_service);
    const run::ServiceRevisions& revisions = project.revisions(service);
    run::RunSettings settings = run_settings(options, project.manifest());
    settings.allow_drift = m_allow_drift;

    const auto history = project.driver(service).read_history(service.name);
    run::check_runnable(revisions, history, m_allow_drift);
    const std::vector<Revision> plan = plan::make_down_plan(service.name, revisions.revisions, history, target);
    const std::string database = project.url(service).redacted;

    if (m_dry_run) {
      for (const Revision& revision : plan) {
        io.out << "-- " << service.name << " " << revision.label() << " (down) on " << database << "\n-- "
               << revision.down->path.string() << "\n"
               << revision.down->sql;
        if (!revision.down->sql.empty() && revision.down->sql.back() != '\n') io.out << "\n";
        io.out << "-- then remove " << format_version(revision.version) << " from schema_migrations\n\n";
      }
      io.out << "-- dry run: nothing was changed\n";
      return 0;
    }
    if (plan.empty()) {
      if (!options.quiet) io.out << "nothing to roll back: " << service.name << " has no applied revisions\n";
      return 0;
    }
    if (!options.json && !options.quiet) {
      io.out << service.name << " (" << database << "): roll back " << plan.front().label();
      if (plan.size() > 1) io.out << " .. " << plan.back().label();
      io.out << " (" << plan.size() << " revision(s))\n";
    }
    if (!confirm(options, io, "roll back " + std::to_string(plan.size()) + " revision(s) of " + service.name)) {
      io.out << "Cancelled; nothing was rolled back.\n";
      return 0;
    }

    const auto observer = make_console_observer(options, io);
    const std::vector<Revision> reverted =
        run::run_down(project.driver(service), revisions, target, settings, *observer);
    if (options.json) {
      nlohmann::ordered_json versions = nlohmann::ordered_json::array();
      for (const Revision& revision : reverted) versions.push_back(format_version(revision.version));
      io.out << nlohmann::ordered_json{{"success", true}, {"services", {{service.name, {{"rolled_back", versions}}}}}}
                    .dump(2)
             << "\n";
    } else if (!options.quiet) {
      io.out << "rolled back " << reverted.size() << " revision(s)\n";
    }
    return 0;
  }

 private:
  std::string m_service;
  std::optional<int> m_step;
  std::optional<std::string> m_to;
  bool m_all = false;
  bool m_dry_run = false;
  bool m_allow_drift = false;
};

}  // namespace

Registered add_down_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("down", "Roll back a service's revisions (default: one)");
  return {sub, std::make_unique<DownCommand>(*sub)};
}

}  // namespace migrate::cli
