// `migrate down <service>`: roll back applied revisions, newest first.
// Parses the options, calls orchestrate::rollback, renders the report.
#include <ostream>

#include "cli/command.hpp"
#include "cli/run_rendering.hpp"
#include "migrate/orchestrate/apply.hpp"
#include "migrate/orchestrate/history_edit.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

class DownCommand final : public Command {
 public:
  explicit DownCommand(CLI::App& app) {
    app.add_option("service", m_request.service, "The service to roll back (may be left out when there is one)");
    app.add_option("target", m_target, "base, -N or a version (Alembic's `downgrade` forms)");
    auto* step = app.add_option("--step", m_step, "Roll back this many revisions (default 1)");
    auto* to = app.add_option("--to", m_to, "Roll back every revision above this version ('base' = all)");
    auto* all = app.add_flag("--all", m_all, "Roll back every applied revision");
    step->excludes(to)->excludes(all);
    to->excludes(all);
    app.add_flag("--dry-run", m_dry_run, "Print the SQL that would run and change nothing");
    app.add_flag("--allow-drift", m_request.allow_drift, "Run even though applied revision files were edited");
    add_backup_options(app, m_no_backup, m_backup_format);
  }

  int run(const GlobalOptions& options, Io& io) override {
    m_request.backups = backup_options(m_no_backup, m_backup_format);
    if (m_dry_run) {
      orchestrate::Project project = open_project(options, db::OpenMode::read_only);
      resolve_target(project.manifest());
      const config::ServiceConfig& service = project.manifest().service(m_request.service);
      return render_dry_run(io.output, orchestrate::preview_rollback(project, service, m_request));
    }
    const auto operation = open_operation(options, io, "down");
    resolve_target(operation->project().manifest());
    const RunReport report =
        orchestrate::rollback(*operation, m_request, [&](const orchestrate::Preview& preview) {
          render_preview(io.output, preview, describe_backup(m_request.backups, operation->project().manifest()));
        });
    return render_run(io.output, report, "rolled_back",
                      "nothing to roll back: " + m_request.service + " has no applied revisions");
  }

 private:
  // --step, --to, --all, or the target after the service (`down app -1`, `down app base`;
  // `down -1` alone on a manifest with one service). Default: one step.
  void resolve_target(const config::Manifest& manifest) {
    if (!m_target && !m_request.service.empty() && manifest.find(m_request.service) == nullptr &&
        orchestrate::looks_like_target(m_request.service)) {
      m_target = m_request.service;
      m_request.service.clear();
    }
    if (m_target) {
      if (m_all || m_to || m_step) throw UsageError("give either a target after the service or --to/--step/--all");
      const orchestrate::RelativeTarget relative = orchestrate::parse_target(*m_target, false);
      if (relative.kind == orchestrate::RelativeTarget::Kind::base) m_all = true;
      if (relative.kind == orchestrate::RelativeTarget::Kind::steps) m_step = relative.steps;
      if (relative.kind == orchestrate::RelativeTarget::Kind::version) m_to = *m_target;
    }
    plan::DownTarget& target = m_request.target;
    if (m_all || (m_to && *m_to == "base")) {
      target.mode = plan::DownTarget::Mode::all;
    } else if (m_to) {
      target.mode = plan::DownTarget::Mode::to;
      target.to = orchestrate::parse_version(*m_to, "--to");
    } else {
      target.step = m_step ? orchestrate::parse_step(*m_step) : 1;
    }
    m_request.service = orchestrate::sole_service(manifest, m_request.service, "down");
  }

  orchestrate::RollbackRequest m_request;
  std::optional<std::string> m_target;
  std::optional<int> m_step;
  std::optional<std::string> m_to;
  bool m_all = false;
  bool m_dry_run = false;
  bool m_no_backup = false;
  std::string m_backup_format = "plain";
};

}  // namespace

Registered add_down_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("down", "Roll back a service's revisions (default: one)");
  return {sub, std::make_unique<DownCommand>(*sub)};
}

}  // namespace migrate::cli
