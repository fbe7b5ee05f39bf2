// `migrate up [service]`: apply pending revisions in dependency order, backing up first.
// Parses the options, calls orchestrate::apply, renders the report.
#include <ostream>

#include "cli/command.hpp"
#include "cli/run_rendering.hpp"
#include "migrate/orchestrate/apply.hpp"
#include "migrate/orchestrate/history_edit.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

class UpCommand final : public Command {
 public:
  explicit UpCommand(CLI::App& app) {
    app.add_option("service", m_request.service, "Only this service (default: all, in dependency order)");
    app.add_option("target", m_target, "head, +N or a version (Alembic's `upgrade` forms; needs the service)");
    app.add_option("--to", m_to, "Apply up to and including this version");
    app.add_option("--step", m_step, "Apply at most this many revisions");
    app.add_flag("--dry-run", m_dry_run, "Print the SQL that would run and change nothing");
    app.add_flag("--allow-out-of-order", m_request.target.allow_out_of_order,
                 "Apply pending revisions numbered below the applied head");
    app.add_flag("--allow-drift", m_request.allow_drift, "Run even though applied revision files were edited");
    add_backup_options(app, m_no_backup, m_backup_format);
  }

  int run(const GlobalOptions& options, Io& io) override {
    m_request.backups = backup_options(m_no_backup, m_backup_format);
    if (m_dry_run) {
      orchestrate::Project project = open_project(options, db::OpenMode::read_only);
      resolve_target(project.manifest());
      const auto services = project.select(m_request.service);
      project.load_all(services);
      return render_dry_run(io.output, orchestrate::preview_apply(project, services, m_request));
    }
    const auto operation = open_operation(options, io, "up");
    resolve_target(operation->project().manifest());
    const RunReport report = orchestrate::apply(*operation, m_request, [&](const orchestrate::Preview& preview) {
      render_preview(io.output, preview, describe_backup(m_request.backups, operation->project().manifest()));
    });
    return render_run(io.output, report, "applied", "nothing to apply: every selected service is up to date");
  }

 private:
  // --to, --step, or the target after the service (`up app +2`, `up app head`; `up +2`
  // alone on a manifest with one service). A partial run needs a service.
  void resolve_target(const config::Manifest& manifest) {
    if (!m_target && !m_request.service.empty() && manifest.find(m_request.service) == nullptr &&
        orchestrate::looks_like_target(m_request.service)) {
      m_target = m_request.service;
      m_request.service.clear();
    }
    if (m_target && (m_to || m_step)) throw UsageError("give either a target after the service or --to/--step");
    if (m_target) {
      const orchestrate::RelativeTarget target = orchestrate::parse_target(*m_target, true);
      if (target.kind == orchestrate::RelativeTarget::Kind::steps) m_step = target.steps;
      if (target.kind == orchestrate::RelativeTarget::Kind::version) m_request.target.to = target.version;
    }
    if (m_to) m_request.target.to = orchestrate::parse_version(*m_to, "--to");
    if (m_step) m_request.target.step = orchestrate::parse_step(*m_step);
    if (m_request.target.to || m_request.target.step) {
      m_request.service = orchestrate::sole_service(manifest, m_request.service, "up --to/--step/+N");
    }
  }

  orchestrate::ApplyRequest m_request;
  std::optional<std::string> m_target;
  std::optional<std::string> m_to;
  std::optional<int> m_step;
  bool m_dry_run = false;
  bool m_no_backup = false;
  std::string m_backup_format = "plain";
};

}  // namespace

Registered add_up_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("up", "Apply pending revisions (backing up first)");
  return {sub, std::make_unique<UpCommand>(*sub)};
}

}  // namespace migrate::cli
