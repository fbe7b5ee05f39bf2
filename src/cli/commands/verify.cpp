// `migrate verify [service]`: compare recorded checksums with the files; exit 4 on drift.
#include <ostream>

#include "cli/command.hpp"
#include "migrate/util/error.hpp"
#include "migrate/status/service_status.hpp"

namespace migrate::cli {

namespace {

class VerifyCommand final : public Command {
 public:
  explicit VerifyCommand(CLI::App& app) { app.add_option("service", m_service, "Only this service"); }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    project.rehash_all();  // verify trusts no cache: every file is read and hashed
    const auto services = project.select(m_service);
    project.load_all(services);
    bool clean = true;
    Json by_name = Json::object();
    std::size_t drifted = 0;
    for (const config::ServiceConfig* service : services) {
      const auto history = project.driver(*service).history().read(service->name);
      const auto drift = plan::check_drift(project.revisions(*service).revisions, history);
      clean = clean && drift.empty();
      if (!drift.empty()) ++drifted;
      Json list = Json::array();
      for (const plan::Drift& entry : drift) list.push_back(Json::parse(status::drift_json(entry)));
      by_name[service->name] = {{"ok", drift.empty()}, {"checked", history.size()}, {"drift", list}};
      std::ostream& out = io.output.always();
      if (drift.empty()) {
        out << service->name << ": ok (" << history.size() << " applied revision(s) match their files)\n";
      } else {
        for (const plan::Drift& entry : drift) out << service->name << ": drift: " << entry.describe() << "\n";
      }
    }
    const int code = clean ? 0 : static_cast<int>(ExitCode::blocked);
    return io.output.document(clean, code,
                              clean ? std::string() : "drift in " + std::to_string(drifted) + " service(s)",
                              {{"services", by_name}});
  }

 private:
  std::string m_service;
};

}  // namespace

Registered add_verify_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("verify", "Check applied revisions against their files (exit 4 on drift)");
  return {sub, std::make_unique<VerifyCommand>(*sub)};
}

}  // namespace migrate::cli
