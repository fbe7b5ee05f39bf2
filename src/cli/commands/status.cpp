// `migrate status [service]`: where each database stands against its revisions.
#include <spdlog/spdlog.h>

#include <iomanip>
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/read_status.hpp"
#include "migrate/status/service_status.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

std::string version_text(const std::optional<Version>& version) {
  return version ? format_version(*version) : "-";
}

void print_table(std::ostream& out, const std::vector<status::ServiceStatus>& services) {
  out << std::left << std::setw(16) << "SERVICE" << std::setw(12) << "STATE" << std::setw(9) << "CURRENT"
      << std::setw(8) << "LATEST" << std::setw(9) << "APPLIED" << std::setw(9) << "PENDING"
      << "DATABASE\n";
  for (const status::ServiceStatus& s : services) {
    out << std::setw(16) << s.service << std::setw(12) << status::to_string(s.state) << std::setw(9)
        << version_text(s.current) << std::setw(8) << version_text(s.latest) << std::setw(9)
        << s.applied << std::setw(9) << s.pending << s.database << "\n";
  }
  for (const status::ServiceStatus& s : services) {
    if (!s.error.empty()) out << s.service << ": error: " << s.error << "\n";
    if (s.dirty) {
      out << s.service << ": dirty at " << format_version(s.dirty->version) << "_" << s.dirty->name << "\n";
    }
    for (const plan::Drift& drift : s.drift) out << s.service << ": drift: " << drift.describe() << "\n";
    if (s.lock) out << s.service << ": locked by " << s.lock->holder << " since " << s.lock->acquired_at << "\n";
  }
  std::size_t pending = 0;
  for (const status::ServiceStatus& s : services) pending += s.pending;
  out << "overall: " << status::to_string(status::overall_state(services)) << " (" << pending
      << " pending)\n";
}

class StatusCommand final : public Command {
 public:
  explicit StatusCommand(CLI::App& app) {
    app.add_option("service", m_service, "Only this service");
  }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const auto services = project.select(m_service);
    project.load_all(services);

    std::vector<status::ServiceStatus> report;
    int exit_code = 0;
    for (const config::ServiceConfig* service : services) {
      const std::string database = project.url(*service).redacted;
      try {
        db::Driver& driver = project.driver(*service);
        const std::optional<LockInfo> lock = driver.lock().read();
        const bool live = orchestrate::lock_live(driver, lock, project.manifest().defaults.lock_stale_after);
        report.push_back(status::summarize(service->name, database, project.revisions(*service).revisions,
                                           driver.history().read(service->name), lock, live));
      } catch (const Error& e) {
        spdlog::error("{}: {}", service->name, e.what());
        report.push_back(status::failed_status(service->name, database, e.what()));
        if (exit_code == 0) exit_code = static_cast<int>(e.code());
      }
    }
    if (!io.output.json()) {
      print_table(io.output.always(), report);
      return exit_code;
    }
    // The document of DESIGN.md, in the shared envelope: "success" is false only when no
    // service could be read; a failing service still makes the exit code non-zero.
    Json document = Json::parse(status::status_json(report));
    const bool success = document.value("success", false);
    document.erase("success");
    std::string error;
    for (const status::ServiceStatus& s : report) {
      if (!s.error.empty()) error += (error.empty() ? "" : "; ") + s.service + ": " + s.error;
    }
    return io.output.document(success && exit_code == 0, exit_code, error, document);
  }

 private:
  std::string m_service;
};

}  // namespace

Registered add_status_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("status", "Show each service's applied and pending revisions");
  return {sub, std::make_unique<StatusCommand>(*sub)};
}

}  // namespace migrate::cli
