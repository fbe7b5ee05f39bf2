// The robustness suites' project folder.
#include "robustness/workload_project.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <utility>

namespace migrate::robustness {

namespace fs = std::filesystem;

WorkloadProject::WorkloadProject(Workload workload, const std::string& extra_defaults)
    : m_workload(std::move(workload)) {
  m_workload.write_project(dir(),
                           "backup_dir = \"migration-backups\"\naudit_log = \"migration-audit.log\"\n"
                           "keep_backups = 3\n" +
                               extra_defaults);
  fs::create_directories(dir() / "runs");
}

std::vector<std::string> WorkloadProject::up_args(const test::TestDatabase& db) const {
  return {"--config", (dir() / "migrate.toml").string(), "up", "--yes", "--database-url", db.url()};
}

fs::path WorkloadProject::output_stem(const std::string& name) const { return dir() / "runs" / name; }

std::vector<nlohmann::json> WorkloadProject::audit() const {
  std::vector<nlohmann::json> lines;
  std::error_code ec;
  if (!fs::exists(audit_log(), ec)) return lines;
  const std::string text = test::slurp(audit_log());
  if (!text.empty()) {
    INFO("the audit log ends with a newline");
    CHECK(text.back() == '\n');
  }
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    INFO("audit line: " << line);
    nlohmann::json event;
    REQUIRE_NOTHROW(event = nlohmann::json::parse(line));
    REQUIRE(event.is_object());
    lines.push_back(std::move(event));
  }
  return lines;
}

void WorkloadProject::clear_audit() const {
  std::error_code ec;
  fs::remove(audit_log(), ec);
}

int count_events(const std::vector<nlohmann::json>& lines, const std::string& event) {
  int count = 0;
  for (const nlohmann::json& line : lines) count += line.value("event", "") == event ? 1 : 0;
  return count;
}

}  // namespace migrate::robustness
