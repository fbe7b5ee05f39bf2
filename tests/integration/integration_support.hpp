// Helpers of the backup, restore and audit integration tests: a project folder with a
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
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace migrate::itest {

namespace fs = std::filesystem;

/// Exit code, stdout and stderr of a run, for INFO messages.
std::string describe(const test::CliResult& result);

/// Lines of text, without the trailing empty one.
std::vector<std::string> split_lines(const std::string& text);

/// The password of a postgres://user:password@host URL ("" when it has none).
std::string url_password(const std::string& url);

/// `[services.<name>]` with its migrations folder, an optional database_url_env and depends_on.
std::string service_toml(const std::string& name, const std::string& url_env = "",
                         const std::vector<std::string>& depends_on = {});

/// A temporary project: migrate.toml with
/// [defaults] backup_dir = "migration-backups", audit_log = "migration-audit.log",
/// keep_backups = N, plus the given services.
class Project {
 public:
  explicit Project(const std::string& services_toml, int keep_backups = 10);

  const fs::path& dir() const { return m_dir.path(); }
  fs::path config() const { return dir() / "migrate.toml"; }
  fs::path backup_dir() const { return dir() / "migration-backups"; }
  fs::path audit_log() const { return dir() / "migration-audit.log"; }

  /// Rewrites the manifest (the [defaults] block is passed in full by the caller).
  void set_manifest(const std::string& text) const;

  /// NNNN_name.up.sql (and .down.sql unless down is empty) in services/<service>/migrations.
  void add(const std::string& service, int version, const std::string& name, const std::string& up,
           const std::string& down = "") const;

  /// `migrate --config <manifest> args...`.
  test::CliResult run(const std::vector<std::string>& args, const test::CliOptions& options = {}) const;

  /// The same with stdin a terminal on which `typed` was typed (e.g. "n\n").
  test::CliResult run_on_terminal(const std::vector<std::string>& args, const std::string& typed,
                                  const std::map<std::string, std::string>& env = {}) const;

  /// Every entry of the backup folder (hidden ones too), by name; empty when absent.
  std::vector<std::string> backup_entries() const;

  /// The audit log's lines, each parsed (the test fails on a line that is not JSON).
  std::vector<nlohmann::json> audit() const;

 private:
  test::TempDir m_dir;
};

/// Runs `migrate args...` like test::run_migrate (minimal environment plus env), but with
/// stdin a pseudo-terminal on which `typed` has been typed, so that prompts are asked.
test::CliResult run_migrate_on_terminal(const std::vector<std::string>& args,
                                        const std::map<std::string, std::string>& env, const std::string& typed);

/// The audit lines of the log's last command (from its last `start` on).
std::vector<nlohmann::json> last_run(const Project& project);

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

#define ITEST_REQUIRE_EXIT(result, expected)                     \
  do {                                                           \
    const ::migrate::test::CliResult& itest_result_ = (result); \
    INFO(::migrate::itest::describe(itest_result_));             \
    REQUIRE(itest_result_.exit_code == (expected));              \
  } while (false)

#define ITEST_CHECK_EXIT(result, expected)                       \
  do {                                                           \
    const ::migrate::test::CliResult& itest_result_ = (result); \
    INFO(::migrate::itest::describe(itest_result_));             \
    CHECK(itest_result_.exit_code == (expected));                \
  } while (false)
