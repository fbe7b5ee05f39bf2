// `migrate up [service]`: apply pending revisions in dependency order.
#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

struct ServicePlan {
  const config::ServiceConfig* service;
  std::vector<Revision> revisions;
};

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
  }

  int run(const GlobalOptions& options, Io& io) override {
    if ((m_to || m_step) && m_service.empty()) {
      throw UsageError("--to and --step need a service: migrate up <service> --to V");
    }
    if (m_to) m_target.to = parse_version_argument(*m_to, "--to");
    if (m_step) m_target.step = *m_step;

    orchestrate::Project project =
        open_project(options, m_dry_run ? db::OpenMode::read_only : db::OpenMode::read_write);
    const auto services = project.select(m_service);
    project.load_all(services);
    run::RunSettings settings = run_settings(options, project.manifest());
    settings.allow_drift = m_allow_drift;

    // Preview without the lock: what would run, for the prompt and --dry-run. The run
    // itself plans again under the lock.
    std::vector<ServicePlan> plans;
    std::size_t total = 0;
    for (const config::ServiceConfig* service : services) {
      const run::ServiceRevisions& revisions = project.revisions(*service);
      const auto history = project.driver(*service).read_history(service->name);
      run::check_runnable(revisions, history, m_allow_drift);
      plans.push_back({service, plan::make_up_plan(service->name, revisions.revisions, history, m_target)});
      total += plans.back().revisions.size();
    }

    if (m_dry_run) return print_dry_run(options, io, project, plans);
    if (total == 0) return finish(options, io, {}, "nothing to apply: every selected service is up to date");
    if (!options.json && !options.quiet) print_plan(io, project, plans);
    if (!confirm(options, io, "apply " + std::to_string(total) + " revision(s)")) {
      io.out << "Cancelled; nothing was applied.\n";
      return 0;
    }

    const auto observer = make_console_observer(options, io);
    std::vector<std::pair<std::string, std::vector<Revision>>> applied;
    for (const ServicePlan& plan : plans) {
      applied.emplace_back(plan.service->name,
                           run::run_up(project.driver(*plan.service), project.revisions(*plan.service),
                                       m_target, settings, *observer));
    }
    std::size_t count = 0;
    for (const auto& entry : applied) count += entry.second.size();
    return finish(options, io, applied, "applied " + std::to_string(count) + " revision(s)");
  }

 private:
  static void print_plan(Io& io, orchestrate::Project& project, const std::vector<ServicePlan>& plans) {
    for (const ServicePlan& plan : plans) {
      if (plan.revisions.empty()) continue;
      io.out << plan.service->name << " (" << project.url(*plan.service).redacted << "): apply "
             << plan.revisions.front().label();
      if (plan.revisions.size() > 1) io.out << " .. " << plan.revisions.back().label();
      io.out << " (" << plan.revisions.size() << " revision(s))\n";
    }
  }

  static int print_dry_run(const GlobalOptions& options, Io& io, orchestrate::Project& project,
                           const std::vector<ServicePlan>& plans) {
    if (options.json) {
      nlohmann::ordered_json services = nlohmann::ordered_json::object();
      for (const ServicePlan& plan : plans) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const Revision& revision : plan.revisions) {
          list.push_back({{"version", format_version(revision.version)},
                          {"name", revision.name},
                          {"file", revision.up.path.string()},
                          {"sql", revision.up.sql}});
        }
        services[plan.service->name] = std::move(list);
      }
      io.out << nlohmann::ordered_json{{"success", true}, {"dry_run", true}, {"services", services}}.dump(2) << "\n";
      return 0;
    }
    for (const ServicePlan& plan : plans) {
      for (const Revision& revision : plan.revisions) {
        io.out << "-- " << plan.service->name << " " << revision.label() << " on "
               << project.url(*plan.service).redacted << "\n-- " << revision.up.path.string() << "\n"
               << revision.up.sql;
        if (!revision.up.sql.empty() && revision.up.sql.back() != '\n') io.out << "\n";
        io.out << "-- then record " << format_version(revision.version)
               << " in schema_migrations (checksum " << revision.checksum << ")\n\n";
      }
    }
    io.out << "-- dry run: nothing was changed\n";
    return 0;
  }

  static int finish(const GlobalOptions& options, Io& io,
                    const std::vector<std::pair<std::string, std::vector<Revision>>>& applied,
                    const std::string& summary) {
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
  plan::UpTarget m_target;
};

}  // namespace

Registered add_up_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("up", "Apply pending revisions");
  return {sub, std::make_unique<UpCommand>(*sub)};
}

}  // namespace migrate::cli
