// A temporary migrate project holding a workload: the test project with the workload's
// manifest and revisions, its audit log and backups.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "robustness/workload.hpp"
#include "support/test_project.hpp"

namespace migrate::robustness {

class WorkloadProject : public test::TestProject {
 public:
  /// Writes the workload with [defaults] backup_dir, audit_log, keep_backups = 3 and
  /// `extra_defaults` (TOML lines, e.g. lock_stale_after = "1s").
  explicit WorkloadProject(Workload workload, const std::string& extra_defaults = "");

  const Workload& workload() const { return m_workload; }

  /// `--config <manifest> up --yes --database-url <db>`: a plain run of every service.
  std::vector<std::string> up_args(const test::TestDatabase& db) const;

 private:
  Workload m_workload;
};

/// How many audit lines have the given event.
int count_events(const std::vector<nlohmann::json>& lines, const std::string& event);

}  // namespace migrate::robustness
