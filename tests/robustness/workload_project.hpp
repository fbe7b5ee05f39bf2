// A temporary migrate project holding a workload, with its audit log, backups and the
// output files of the runners started in it.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "robustness/workload.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace migrate::robustness {

class WorkloadProject {
 public:
  /// Writes the workload with [defaults] backup_dir, audit_log, keep_backups = 3 and
  /// `extra_defaults` (TOML lines, e.g. lock_stale_after = "1s").
  explicit WorkloadProject(Workload workload, const std::string& extra_defaults = "");

  const Workload& workload() const { return m_workload; }
  const std::filesystem::path& dir() const { return m_dir.path(); }
  std::filesystem::path backup_dir() const { return dir() / "migration-backups"; }
  std::filesystem::path audit_log() const { return dir() / "migration-audit.log"; }

  /// `--config <manifest> up --yes --database-url <db>`: a plain run of every service.
  std::vector<std::string> up_args(const test::TestDatabase& db) const;

  /// Where a runner's stdout and stderr go: <dir>/runs/<name>.out and .err.
  std::filesystem::path output_stem(const std::string& name) const;

  /// The audit log's lines, each parsed; the test fails on a line that is not a whole
  /// JSON object (a torn write). Empty when there is no log.
  std::vector<nlohmann::json> audit() const;

  /// Removes the audit log (between rounds, when no runner is alive).
  void clear_audit() const;

 private:
  test::TempDir m_dir;
  Workload m_workload;
};

/// How many audit lines have the given event.
int count_events(const std::vector<nlohmann::json>& lines, const std::string& event);

}  // namespace migrate::robustness
