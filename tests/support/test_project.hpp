// The one test project: a temporary folder with migrate.toml, services/<service>/migrations/,
// the backup folder and the audit log, run through the built binary against a real test
// database; plus the text helpers every CLI-level test uses.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace migrate::test {

/// Exit code, stdout and stderr of a run, for INFO messages.
std::string describe(const CliResult& result);

/// Non-empty lines of text (a trailing \r dropped, blank lines skipped).
std::vector<std::string> lines_of(const std::string& text);

/// Lines of text, without the trailing empty one.
std::vector<std::string> split_lines(const std::string& text);

/// True when text contains needle.
bool contains(const std::string& text, const std::string& needle);

/// The password of a postgres://user:password@host URL ("" when it has none).
std::string url_password(const std::string& url);

/// Checks that a run's stdout and stderr never show the password of url.
void check_no_password(const CliResult& result, const std::string& url);

/// "0001_name" for a version and a snake name.
std::string stem(int version, const std::string& name);

/// A manifest with one service whose revisions live in services/<name>/migrations.
std::string single_service_manifest(const std::string& name = "app");

/// `[services.<name>]` with its migrations folder, an optional database_url_env and depends_on.
std::string service_toml(const std::string& name, const std::string& url_env = "",
                         const std::vector<std::string>& depends_on = {});

/// A manifest of [defaults] backup_dir = "migration-backups", audit_log =
/// "migration-audit.log", keep_backups = N, then the given services.
std::string manifest_with_defaults(const std::string& services_toml, int keep_backups = 10);

/// A temporary project: migrate.toml plus services/<service>/migrations/ folders; backups
/// and the audit log at the paths manifest_with_defaults() names (also migrate's defaults).
class TestProject {
 public:
  explicit TestProject(const std::string& manifest_text = single_service_manifest());
  virtual ~TestProject() = default;
  TestProject(const TestProject&) = delete;
  TestProject& operator=(const TestProject&) = delete;

  const std::filesystem::path& dir() const { return m_dir.path(); }
  std::filesystem::path config() const { return dir() / "migrate.toml"; }
  std::filesystem::path migrations(const std::string& service = "app") const;
  std::filesystem::path backup_dir() const { return dir() / "migration-backups"; }
  std::filesystem::path audit_log() const { return dir() / "migration-audit.log"; }

  /// Replaces the manifest.
  void set_manifest(const std::string& text) const;
  /// Writes a file into a service's migrations folder; returns its path.
  std::filesystem::path write(const std::string& file, const std::string& content,
                              const std::string& service = "app") const;
  /// NNNN_create_<table>.up.sql (CREATE TABLE) and, when reversible, .down.sql (DROP TABLE).
  void add_table(int version, const std::string& table, const std::string& service = "app",
                 bool reversible = true) const;
  /// NNNN_name.up.sql (and .down.sql unless down is empty) in services/<service>/migrations.
  void add(const std::string& service, int version, const std::string& name, const std::string& up,
           const std::string& down = "") const;

  /// `--config <dir>/migrate.toml args...`, then `--database-url <url>` when db is given.
  std::vector<std::string> arguments(const std::vector<std::string>& args, const TestDatabase* db = nullptr) const;

  /// Runs `migrate` with arguments(args, db); with a db, checks that the output never
  /// shows the URL's password.
  CliResult run(const std::vector<std::string>& args, const TestDatabase* db = nullptr,
                const CliOptions& options = {}) const;
  CliResult run(const std::vector<std::string>& args, const CliOptions& options) const;

  /// The same with stdin and stdout a terminal on which `typed` was typed (e.g. "n\n").
  CliResult run_on_terminal(const std::vector<std::string>& args, const std::string& typed,
                            const std::map<std::string, std::string>& env = {}) const;

  /// Starts `migrate` with arguments(args, db) in the background.
  std::unique_ptr<ChildProcess> start(const std::vector<std::string>& args, const TestDatabase* db = nullptr,
                                      const CliOptions& options = {}) const;

  /// Every entry of the backup folder (hidden ones too), by name, sorted, without the
  /// `<backup>.json` sidecars; empty when absent.
  std::vector<std::string> backup_entries() const;

  /// The audit log's lines, each parsed; the test fails on a line that is not a whole
  /// JSON object (a torn write). Empty when there is no log.
  std::vector<nlohmann::json> audit() const;

  /// Removes the audit log.
  void clear_audit() const;

 private:
  TempDir m_dir;
};

}  // namespace migrate::test

/// Checks a run's exit code, printing its output when it differs. `result` is evaluated once.
#define CHECK_EXIT(result, expected)                                  \
  do {                                                                \
    const ::migrate::test::CliResult& cli_result_ = (result);        \
    INFO(::migrate::test::describe(cli_result_));                     \
    CHECK(cli_result_.exit_code == (expected));                       \
  } while (false)

#define REQUIRE_EXIT(result, expected)                                \
  do {                                                                \
    const ::migrate::test::CliResult& cli_result_ = (result);        \
    INFO(::migrate::test::describe(cli_result_));                     \
    REQUIRE(cli_result_.exit_code == (expected));                     \
  } while (false)
