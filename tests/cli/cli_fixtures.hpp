// Shared helpers of the CLI acceptance tests: a project folder (manifest + revision files)
// in a TempDir, run through the built binary against a real test database.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "migrate/model/dialect.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace migrate::test {

/// Exit code, stdout and stderr of a run, for INFO messages.
std::string describe(const CliResult& result);

/// Non-empty lines of text.
std::vector<std::string> lines_of(const std::string& text);

/// True when text contains needle.
bool contains(const std::string& text, const std::string& needle);

/// The file behind a SQLite test database ("sqlite:///abs/path" -> /abs/path).
std::filesystem::path sqlite_file(const TestDatabase& db);

/// What a test compares before and after a command: whether the database exists (a
/// SQLite file; always true on PostgreSQL), its schema and the service's history.
/// Taking it never creates a missing SQLite file.
struct DatabaseState {
  bool exists = true;
  std::string schema;
  std::vector<std::string> history;
};
bool operator==(const DatabaseState& a, const DatabaseState& b);
std::ostream& operator<<(std::ostream& out, const DatabaseState& state);
DatabaseState capture(TestDatabase& db, const std::string& service = "app");

/// Rows of migration_lock (0 when the table is absent).
int lock_rows(TestDatabase& db);

/// The password of a postgres://user:password@host URL ("" when it has none).
std::string url_password(const std::string& url);

/// Checks that a run's stdout and stderr never show the password of url.
void check_no_password(const CliResult& result, const std::string& url);

/// "0001_name" for a version and a snake name.
std::string stem(int version, const std::string& name);

/// A manifest with one service whose revisions live in services/<name>/migrations.
std::string single_service_manifest(const std::string& name = "app");

/// Parses a command's JSON stdout, failing the test (with the output) when it is not JSON.
nlohmann::json parse_json(const CliResult& result);

/// Checks services.<service> of a `status --json` document. current "" means null.
void check_service_status(const nlohmann::json& document, const std::string& service,
                          const std::string& state, const std::string& current,
                          const std::string& latest, int applied, int pending);

/// A temporary project: migrate.toml plus services/<service>/migrations/ folders.
class CliProject {
 public:
  explicit CliProject(const std::string& manifest_text = single_service_manifest());

  const std::filesystem::path& dir() const { return m_dir.path(); }
  std::filesystem::path config() const { return dir() / "migrate.toml"; }
  std::filesystem::path migrations(const std::string& service = "app") const;

  /// Replaces the manifest.
  void set_manifest(const std::string& text) const;
  /// Writes a file into a service's migrations folder; returns its path.
  std::filesystem::path write(const std::string& file, const std::string& content,
                              const std::string& service = "app") const;
  /// NNNN_create_<table>.up.sql (CREATE TABLE) and, when reversible, .down.sql (DROP TABLE).
  void add_table(int version, const std::string& table, const std::string& service = "app",
                 bool reversible = true) const;

  /// Runs `migrate --config <dir>/migrate.toml args...`, adding `--database-url <url>`
  /// when db is given; checks that the output never shows the URL's password.
  CliResult run(const std::vector<std::string>& args, const TestDatabase* db = nullptr,
                const CliOptions& options = {}) const;

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
