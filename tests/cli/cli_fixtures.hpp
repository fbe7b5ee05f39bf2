// Shared helpers of the CLI acceptance tests: database states, locks and JSON output, on top
// of the test project (support/test_project.hpp).
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "migrate/model/dialect.hpp"
#include "support/test_project.hpp"

namespace migrate::test {

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

/// Parses a command's JSON stdout, failing the test (with the output) when it is not JSON.
nlohmann::json parse_json(const CliResult& result);

/// Checks services.<service> of a `status --json` document. current "" means null.
void check_service_status(const nlohmann::json& document, const std::string& service,
                          const std::string& state, const std::string& current,
                          const std::string& latest, int applied, int pending);

/// The CLI tests' project is the one test project.
using CliProject = TestProject;

/// The manifest of the transfer tests: service `bot` (services/bot/migrations) in target,
/// then `transfers` (TOML text).
void write_transfer_manifest(const CliProject& project, const TestDatabase& target, const std::string& transfers);

/// Table item (id INTEGER PRIMARY KEY, payload TEXT) with rows 1..count in a source database.
void fill_item_source(TestDatabase& source, int count);

/// Revision 1 of service `bot`: table item (id, payload) whose every insert waits `delay`
/// seconds (pg_sleep) in a trigger, so that a copy into it is slow enough to be signalled.
void add_slow_item_table(const CliProject& project, const std::string& delay);

}  // namespace migrate::test
