// The robustness suites' project folder.
#include "robustness/workload_project.hpp"

#include <utility>

namespace migrate::robustness {

WorkloadProject::WorkloadProject(Workload workload, const std::string& extra_defaults)
    : m_workload(std::move(workload)) {
  m_workload.write_project(dir(),
                           "backup_dir = \"migration-backups\"\naudit_log = \"migration-audit.log\"\n"
                           "keep_backups = 3\n" +
                               extra_defaults);
}

std::vector<std::string> WorkloadProject::up_args(const test::TestDatabase& db) const {
  return {"--config", config().string(), "up", "--yes", "--database-url", db.url()};
}

int count_events(const std::vector<nlohmann::json>& lines, const std::string& event) {
  int count = 0;
  for (const nlohmann::json& line : lines) count += line.value("event", "") == event ? 1 : 0;
  return count;
}

}  // namespace migrate::robustness
