// `migrate adopt`: databases migrated by drizzle-kit, goose and Flyway taken over without
// running anything, on real PostgreSQL databases and SQLite files. The tools' history
// tables are made here with their own DDL; the drizzle run with the real tools is in
// drizzle_peers_test.cpp.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/cli_fixtures.hpp"
#include "migrate/util/sha256.hpp"

namespace migrate::test {

namespace {

const std::vector<std::string> k_sql{
    "CREATE TABLE users (id integer PRIMARY KEY, name text);\n",
    "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users (id));\n",
    "ALTER TABLE users ADD COLUMN email text;\n",
};

// Three revisions, the first `applied` of them run by hand as the other tool would have.
CliProject& with_revisions(CliProject& project, TestDatabase& db, std::size_t applied) {
  const char* names[] = {"users", "posts", "email"};
  for (std::size_t i = 0; i < k_sql.size(); ++i) {
    project.add("app", static_cast<int>(i + 1), names[i], k_sql[i]);
    if (i < applied) db.exec(k_sql[i]);
  }
  return project;
}

void drizzle_table(TestDatabase& db) {
  if (db.dialect() == Dialect::postgres) {
    db.exec("CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations "
            "(id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)");
  } else {
    db.exec("CREATE TABLE __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)");
  }
}

void drizzle_row(TestDatabase& db, const std::string& sql, long long when) {
  const std::string table = db.dialect() == Dialect::postgres ? "drizzle.__drizzle_migrations" : "__drizzle_migrations";
  db.exec("INSERT INTO " + table + " (hash, created_at) VALUES ('" + util::sha256_hex(sql) + "', " +
          std::to_string(when) + ")");
}

bool history_table_exists(TestDatabase& db) {
  return db.scalar(db.dialect() == Dialect::postgres
                       ? "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations'"
                       : "SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'") != "0";
}

std::vector<std::string> versions_of(const nlohmann::json& list) {
  std::vector<std::string> versions;
  for (const nlohmann::json& item : list) versions.push_back(item.is_string() ? item.get<std::string>() : item["version"].get<std::string>());
  return versions;
}

}  // namespace

TEST_CASE("adopt --from drizzle records what drizzle applied, matched by content, and runs nothing",
          "[cli][adopt]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO(to_string(dialect));
  auto db = make_test_database(dialect);
  CliProject project;
  with_revisions(project, *db, 2);
  drizzle_table(*db);
  drizzle_row(*db, k_sql[0], 1700000000000);
  drizzle_row(*db, k_sql[1], 1700000001000);

  const nlohmann::json preview = parse_json(project.run({"adopt", "app", "--from", "drizzle", "--dry-run", "--json"}, db.get()));
  CHECK(preview["success"] == true);
  CHECK(versions_of(preview["matched"]) == std::vector<std::string>{"0001", "0002"});
  CHECK(versions_of(preview["pending"]) == std::vector<std::string>{"0003"});
  CHECK(preview["matched"][0]["matched_by"] == "hash");
  CHECK_FALSE(history_table_exists(*db));

  const CliResult adopted = project.run({"adopt", "app", "--from", "drizzle"}, db.get());
  CHECK_EXIT(adopted, 0);
  CHECK(contains(adopted.out, "recorded 2 revision(s) as applied"));
  CHECK(db->history("app") == std::vector<std::string>{"1:users", "2:posts"});
  std::vector<std::string> adopt_lines;
  for (const nlohmann::json& line : project.audit()) {
    if (line["event"] == "adopt") adopt_lines.push_back(line["version"].get<std::string>());
  }
  CHECK(adopt_lines == std::vector<std::string>{"0001", "0002"});
  CHECK(lock_rows(*db) == 0);

  // Again: nothing to record. Then migrate carries on from there.
  const nlohmann::json again = parse_json(project.run({"adopt", "app", "--from", "drizzle", "--json"}, db.get()));
  CHECK(again["recorded"] == false);
  CHECK(versions_of(again["already"]) == std::vector<std::string>{"0001", "0002"});
  CHECK_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);
  CHECK(db->history("app") == std::vector<std::string>{"1:users", "2:posts", "3:email"});
  CHECK_EXIT(project.run({"adopt", "app", "--from", "drizzle"}, db.get()), 0);  // migrate's own work since
}

TEST_CASE("adopt --from drizzle refuses, writing nothing, what cannot be taken over", "[cli][adopt]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO(to_string(dialect));
  auto db = make_test_database(dialect);
  CliProject project;
  drizzle_table(*db);
  std::string named;

  SECTION("a migration drizzle skipped below its newest (its silent skip)") {
    with_revisions(project, *db, 0);
    db->exec(k_sql[0]);
    db->exec(k_sql[2]);
    drizzle_row(*db, k_sql[0], 1);
    drizzle_row(*db, k_sql[2], 3);
    named = "0002_posts";
  }
  SECTION("a file edited after drizzle ran it (drift)") {
    with_revisions(project, *db, 1);
    drizzle_row(*db, k_sql[0] + "-- edited\n", 1);
    named = "hash ";
  }
  SECTION("migrate already records a revision drizzle does not have below its newest") {
    with_revisions(project, *db, 0);
    drizzle_row(*db, k_sql[1], 2);
    REQUIRE_EXIT(project.run({"stamp", "app", "1"}, db.get()), 0);
    named = "0001_users";
  }
  const DatabaseState before = capture(*db);
  const bool had_history = history_table_exists(*db);
  const CliResult refused = project.run({"adopt", "app", "--from", "drizzle"}, db.get());
  CHECK_EXIT(refused, 4);
  CHECK(contains(refused.err, named));
  CHECK(contains(refused.err, "nothing was written"));
  CHECK(capture(*db) == before);
  CHECK(history_table_exists(*db) == had_history);
  CHECK(lock_rows(*db) == 0);

  const CliResult dry = project.run({"adopt", "app", "--from", "drizzle", "--dry-run", "--json"}, db.get());
  CHECK_EXIT(dry, 4);
  const nlohmann::json document = parse_json(dry);
  CHECK(document["success"] == false);
  REQUIRE(document["refused"].size() >= 1);
  CHECK(contains(document["refused"][0]["what"].get<std::string>(), named));
}

TEST_CASE("adopt --from drizzle --journal ties rows to migrations by when, naming drift by its revision",
          "[cli][adopt]") {
  auto db = make_test_database(Dialect::postgres);
  CliProject project;
  with_revisions(project, *db, 2);
  drizzle_table(*db);
  // drizzle-kit's out folder for the same two migrations.
  const std::filesystem::path out = project.dir() / "drizzle";
  std::filesystem::create_directories(out / "meta");
  std::ofstream(out / "0001_users.sql") << k_sql[0];
  std::ofstream(out / "0002_posts.sql") << k_sql[1];
  std::ofstream(out / "meta" / "_journal.json")
      << R"({"version":"7","dialect":"postgresql","entries":[)"
      << R"({"idx":0,"version":"7","when":1700000000000,"tag":"0001_users","breakpoints":true},)"
      << R"({"idx":1,"version":"7","when":1700000001000,"tag":"0002_posts","breakpoints":true}]})";

  SECTION("the rows match their entries") {
    drizzle_row(*db, k_sql[0], 1700000000000);
    drizzle_row(*db, k_sql[1], 1700000001000);
    const nlohmann::json adopted = parse_json(
        project.run({"adopt", "app", "--from", "drizzle", "--journal", (out / "meta" / "_journal.json").string(), "--json"},
                    db.get()));
    CHECK(adopted["success"] == true);
    CHECK(versions_of(adopted["matched"]) == std::vector<std::string>{"0001", "0002"});
    CHECK(adopted["matched"][0]["matched_by"] == "journal");
    CHECK(db->history("app") == std::vector<std::string>{"1:users", "2:posts"});
  }
  SECTION("a row whose migration's file was edited since is drift, named by its revision") {
    drizzle_row(*db, k_sql[0] + "-- applied before an edit\n", 1700000000000);
    drizzle_row(*db, k_sql[1], 1700000001000);
    const CliResult refused = project.run({"adopt", "app", "--from", "drizzle", "--journal", out.string()}, db.get());
    CHECK_EXIT(refused, 4);
    CHECK(contains(refused.err, "0001_users: drizzle applied it with other contents"));
    CHECK(contains(refused.err, "(drift)"));
    CHECK_FALSE(history_table_exists(*db));
  }
}

TEST_CASE("adopt --finalize drops the tool's table only once migrate's history has everything it records",
          "[cli][adopt]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO(to_string(dialect));
  auto db = make_test_database(dialect);
  CliProject project;
  with_revisions(project, *db, 2);
  drizzle_table(*db);
  drizzle_row(*db, k_sql[0], 1);
  drizzle_row(*db, k_sql[1], 2);
  const std::string table = dialect == Dialect::postgres ? "drizzle.__drizzle_migrations" : "__drizzle_migrations";
  const auto drizzle_rows = [&] { return db->scalar("SELECT count(*) FROM " + table); };

  // Not adopted yet: refused, nothing dropped.
  const CliResult early = project.run({"adopt", "app", "--from", "drizzle", "--finalize", "--yes"}, db.get());
  CHECK_EXIT(early, 4);
  CHECK(contains(early.err, "first; nothing was dropped"));
  CHECK(drizzle_rows() == "2");

  REQUIRE_EXIT(project.run({"adopt", "app", "--from", "drizzle"}, db.get()), 0);
  // Nobody to confirm: exit 2, nothing dropped.
  CHECK_EXIT(project.run({"adopt", "app", "--from", "drizzle", "--finalize"}, db.get()), 2);
  CHECK(drizzle_rows() == "2");
  const CliResult dry = project.run({"adopt", "app", "--from", "drizzle", "--finalize", "--dry-run"}, db.get());
  CHECK_EXIT(dry, 0);
  CHECK(contains(dry.out, "would drop"));
  CHECK(drizzle_rows() == "2");

  const nlohmann::json done =
      parse_json(project.run({"adopt", "app", "--from", "drizzle", "--finalize", "--yes", "--json"}, db.get()));
  CHECK(done["finalized"] == true);
  CHECK(db->history("app") == std::vector<std::string>{"1:users", "2:posts"});
  CHECK_THROWS(drizzle_rows());
  bool audited = false;
  for (const nlohmann::json& line : project.audit()) audited = audited || line["event"] == "adopt_finalize";
  CHECK(audited);
  CHECK(lock_rows(*db) == 0);
}

TEST_CASE("adopt --from goose and --from flyway follow their tables' rules", "[cli][adopt]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO(to_string(dialect));
  auto db = make_test_database(dialect);
  CliProject project;
  with_revisions(project, *db, 1);
  const bool postgres = dialect == Dialect::postgres;

  SECTION("goose: the latest row of each version decides; its version 0 is its own") {
    db->exec(std::string("CREATE TABLE goose_db_version (id ") + (postgres ? "SERIAL" : "INTEGER") +
             " PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp DEFAULT "
             "CURRENT_TIMESTAMP)");
    db->exec(std::string("INSERT INTO goose_db_version (version_id, is_applied, tstamp) VALUES (0, ") +
             (postgres ? "true" : "1") + ", '2024-05-01 12:00:00'), (1, " + (postgres ? "true" : "1") +
             ", '2024-05-01 12:00:01'), (2, " + (postgres ? "true" : "1") + ", '2024-05-02 08:00:00'), (2, " +
             (postgres ? "false" : "0") + ", '2024-05-03 08:00:00')");
    const nlohmann::json adopted = parse_json(project.run({"adopt", "app", "--from", "goose", "--json"}, db.get()));
    CHECK(adopted["success"] == true);
    CHECK(versions_of(adopted["matched"]) == std::vector<std::string>{"0001"});
    CHECK(versions_of(adopted["pending"]) == std::vector<std::string>{"0002", "0003"});
    CHECK(db->history("app") == std::vector<std::string>{"1:users"});
    CHECK(contains(db->scalar("SELECT applied_at FROM schema_migrations WHERE version = 1"), "2024-05-01"));
  }
  SECTION("flyway: a BASELINE covers what is below it; a failed row is refused") {
    db->exec(std::string("CREATE TABLE flyway_schema_history (installed_rank integer PRIMARY KEY, version "
                         "varchar(50), description varchar(200), type varchar(20), script varchar(1000), checksum "
                         "integer, installed_by varchar(100), installed_on timestamp DEFAULT CURRENT_TIMESTAMP, "
                         "execution_time integer, success boolean NOT NULL)"));
    db->exec(std::string("INSERT INTO flyway_schema_history VALUES (1, '1', '<< Flyway Baseline >>', 'BASELINE', "
                         "'<< Flyway Baseline >>', NULL, 'ops', '2024-01-01 00:00:00', 0, ") +
             (postgres ? "true" : "1") + ")");
    const nlohmann::json adopted = parse_json(project.run({"adopt", "app", "--from", "flyway", "--json"}, db.get()));
    CHECK(versions_of(adopted["matched"]) == std::vector<std::string>{"0001"});
    CHECK(adopted["matched"][0]["matched_by"] == "baseline");
    CHECK(db->history("app") == std::vector<std::string>{"1:users"});

    db->exec(k_sql[1]);
    db->exec(std::string("INSERT INTO flyway_schema_history VALUES (2, '2', 'posts', 'SQL', 'V2__posts.sql', 1, "
                         "'ops', '2024-01-02 00:00:00', 5, ") +
             (postgres ? "false" : "0") + ")");
    const CliResult failed = project.run({"adopt", "app", "--from", "flyway"}, db.get());
    CHECK_EXIT(failed, 4);
    CHECK(contains(failed.err, "success = false"));
    CHECK(db->history("app") == std::vector<std::string>{"1:users"});
  }
}

TEST_CASE("adopt without the tool's table, or with an unknown tool, changes nothing", "[cli][adopt]") {
  auto db = make_test_database(Dialect::postgres);
  CliProject project;
  with_revisions(project, *db, 0);
  const CliResult missing = project.run({"adopt", "app", "--from", "drizzle"}, db.get());
  CHECK_EXIT(missing, 4);
  CHECK(contains(missing.err, "no drizzle history"));
  CHECK_FALSE(history_table_exists(*db));
  const CliResult unknown = project.run({"adopt", "app", "--from", "liquibase"}, db.get());
  CHECK_EXIT(unknown, 2);
  CHECK(contains(unknown.err, "drizzle, goose, flyway"));

  // A SQLite file that is not there is not created.
  auto lite = make_test_database(Dialect::sqlite);
  const std::filesystem::path file = sqlite_file(*lite);
  std::filesystem::remove(file);
  CHECK_EXIT(project.run({"adopt", "app", "--from", "drizzle"}, lite.get()), 4);
  CHECK_FALSE(std::filesystem::exists(file));
}

}  // namespace migrate::test
