// Helpers of the backup, restore and audit integration tests: the test project with a
// [defaults] block, the real PostgreSQL client programs, and whole-database snapshots.
// Everything lives in migrate::itest so it never collides with other test helpers.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "migrate/util/child_process.hpp"
#include "support/test_project.hpp"

namespace migrate::itest {

namespace fs = std::filesystem;

using test::describe;
using test::service_toml;
using test::split_lines;
using test::url_password;

/// The test project with manifest_with_defaults(services_toml, keep_backups):
/// [defaults] backup_dir = "migration-backups", audit_log = "migration-audit.log",
/// keep_backups = N, plus the given services.
class Project : public test::TestProject {
 public:
  explicit Project(const std::string& services_toml, int keep_backups = 10)
      : TestProject(test::manifest_with_defaults(services_toml, keep_backups)) {}
};

/// The audit lines of the log's last command (from its last `start` on).
std::vector<nlohmann::json> last_run(const test::TestProject& project);

/// The `event` field of each line.
std::vector<std::string> event_names(const std::vector<nlohmann::json>& lines);

/// /usr/lib/postgresql/<newest>/bin/<tool>.
fs::path pg_tool(const std::string& tool);

/// Runs a program and fails the test when it does not exit 0.
util::ProcessResult run_ok(const std::vector<std::string>& argv);

/// `pg_dump --schema-only` of url, without the random \restrict / \unrestrict lines.
std::string schema_dump(const std::string& url);

/// Every table of the public schema with all its rows (as row text, sorted) and every
/// sequence with its last value: equal strings mean equal data.
std::string pg_contents(test::TestDatabase& db);

/// Every table of a SQLite database with all its rows, sorted.
std::string sqlite_contents(test::TestDatabase& db);

/// A database's schema and data: pg_dump --schema-only and pg_contents on PostgreSQL,
/// TestDatabase::schema() and sqlite_contents on SQLite.
struct Snapshot {
  std::string schema;
  std::string contents;
  bool operator==(const Snapshot& other) const { return schema == other.schema && contents == other.contents; }
  bool operator!=(const Snapshot& other) const { return !(*this == other); }
};
Snapshot snapshot(test::TestDatabase& db);

/// The snapshot's contents without the schema_migrations rows (their applied_at and
/// duration_ms change when a revision is applied again).
std::string without_history(const std::string& contents);

/// CHECKs that two snapshots have equal schemas and equal data (shown apart on failure).
void check_same(const Snapshot& actual, const Snapshot& expected);

/// What `status --json` says is the service's current revision ("" for null).
std::string current_revision(const Project& project, const std::string& service,
                             const test::CliOptions& options);

/// Files of folder whose names match ^<service>_\d{8}T\d{6}Z(-\d+)?<ext>$, sorted by name.
std::vector<std::string> backup_names(const std::vector<std::string>& entries, const std::string& service,
                                      const std::string& extension);

}  // namespace migrate::itest

// The integration tests' names of CHECK_EXIT and REQUIRE_EXIT.
#define ITEST_REQUIRE_EXIT(result, expected) REQUIRE_EXIT(result, expected)
#define ITEST_CHECK_EXIT(result, expected) CHECK_EXIT(result, expected)
