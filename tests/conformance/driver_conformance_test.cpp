// The driver conformance suite: every driver runs SQL, writes history rows and scopes them
// by service the same way, against a real PostgreSQL database and a real SQLite file.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "conformance/conformance_support.hpp"
#include "migrate/util/error.hpp"
#include "support/temp_dir.hpp"

using migrate::Dialect;
using migrate::RevisionFailed;
using migrate::db::OpenMode;
using migrate::test::count_rows;
using migrate::test::make_row;
using migrate::test::make_test_database;
using migrate::test::open_test_driver;
using migrate::test::take_lock;

TEST_CASE("history is empty and there is no lock before the bookkeeping tables exist",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  for (const OpenMode mode : {OpenMode::read_only, OpenMode::read_write}) {
    auto driver = open_test_driver(*database, mode);
    CHECK(driver->dialect() == dialect);
    CHECK(driver->history().read("svc").empty());
    CHECK_FALSE(driver->lock().read());
  }
  // Reading creates nothing.
  CHECK(database->history("svc").empty());
  CHECK(database->schema().empty());
}

TEST_CASE("a read_only open of a SQLite path that does not exist creates no file",
          "[conformance][sqlite]") {
  const migrate::test::TempDir dir;
  const std::filesystem::path file = dir.path() / "not" / "yet" / "there.db";
  auto driver = migrate::db::open_driver(
      migrate::config::parse_database_url("sqlite://" + file.string(), "/", "test"), OpenMode::read_only);
  CHECK(driver->history().read("svc").empty());
  CHECK_FALSE(driver->lock().read());
  driver.reset();
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "not"));
}

TEST_CASE("apply runs multi-statement SQL and writes exactly one history row",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  take_lock(*driver);

  // No semicolon after the last statement, and a trailing comment with no newline.
  driver->apply(
      "CREATE TABLE widgets (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n"
      "INSERT INTO widgets (id, label) VALUES (1, 'one');\n"
      "INSERT INTO widgets (id, label) VALUES (2, 'two; with a semicolon')\n"
      "-- trailing comment",
      make_row("svc", 1, "create_widgets"));

  CHECK(database->user_tables() == std::vector<std::string>{"widgets"});
  CHECK(count_rows(*database, "widgets") == 2);
  CHECK(count_rows(*database, "schema_migrations") == 1);

  const auto history = driver->history().read("svc");
  REQUIRE(history.size() == 1);
  const migrate::AppliedRevision& row = history.front();
  CHECK(row.version == 1);
  CHECK(row.name == "create_widgets");
  CHECK(row.kind == "sql");
  CHECK(row.checksum == migrate::util::sha256_hex("create_widgets"));
  CHECK(row.applied_by == "tester@conformance");
  CHECK_FALSE(row.dirty);
  CHECK(row.duration_ms >= 0);
  INFO("applied_at = " << row.applied_at);
  CHECK(migrate::test::is_iso8601_utc(row.applied_at));
  // UTC, from the database clock: within a couple of minutes of this machine's UTC clock.
  CHECK(std::abs(migrate::test::seconds_ago(row.applied_at)) < 120.0);
  CHECK(database->history("svc") == std::vector<std::string>{"1:create_widgets"});
}

TEST_CASE("apply runs bodies that contain semicolons: a PL/pgSQL function or a SQLite trigger",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  take_lock(*driver);

  if (dialect == Dialect::postgres) {
    driver->apply(
        "CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n"
        "CREATE FUNCTION bump(counter_id INTEGER) RETURNS INTEGER LANGUAGE plpgsql AS $$\n"
        "DECLARE result INTEGER;\n"
        "BEGIN\n"
        "  UPDATE counters SET n = n + 1 WHERE id = counter_id RETURNING n INTO result;\n"
        "  RETURN result;\n"
        "END;\n"
        "$$;\n"
        "INSERT INTO counters VALUES (1, 41);\n",
        make_row("svc", 1, "bump_function"));
    CHECK(database->scalar("SELECT bump(1)") == "42");
  } else {
    driver->apply(
        "CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n"
        "CREATE TABLE bumps (counter_id INTEGER NOT NULL);\n"
        "CREATE TRIGGER bump AFTER INSERT ON bumps BEGIN\n"
        "  UPDATE counters SET n = n + 1 WHERE id = NEW.counter_id;\n"
        "  UPDATE counters SET n = n + 0 WHERE id = NEW.counter_id;\n"
        "END;\n"
        "INSERT INTO counters VALUES (1, 41);\n",
        make_row("svc", 1, "bump_trigger"));
    database->exec("INSERT INTO bumps VALUES (1)");
    CHECK(database->scalar("SELECT n FROM counters WHERE id = 1") == "42");
  }
  CHECK(database->history("svc").size() == 1);
}

TEST_CASE("a failing apply leaves no history row, no partial table, and a usable connection",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  driver->apply("CREATE TABLE kept (id INTEGER);", make_row("svc", 1, "kept"));
  const std::string schema_before = database->schema();

  try {
    driver->apply("CREATE TABLE partial (id INTEGER);\nINSERT INTO missing_table VALUES (1);\n",
                  make_row("svc", 2, "broken"));
    FAIL("apply of a failing revision did not throw");
  } catch (const RevisionFailed& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("missing_table") != std::string::npos);
    CHECK_FALSE(e.sqlstate().empty());
    if (dialect == Dialect::postgres) CHECK(e.sqlstate() == "42P01");
  }

  CHECK(database->schema() == schema_before);
  CHECK(database->user_tables() == std::vector<std::string>{"kept"});
  CHECK(database->history("svc") == std::vector<std::string>{"1:kept"});
  CHECK(driver->history().read("svc").size() == 1);

  // The same connection goes on working: no transaction was left open or aborted.
  driver->apply("CREATE TABLE after_failure (id INTEGER);", make_row("svc", 2, "after_failure"));
  CHECK(database->user_tables() == std::vector<std::string>{"after_failure", "kept"});
  CHECK(database->history("svc") == std::vector<std::string>{"1:kept", "2:after_failure"});
}

TEST_CASE("an apply whose history row cannot be written rolls its SQL back",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  driver->apply("CREATE TABLE first (id INTEGER);", make_row("svc", 1, "first"));
  const std::string schema_before = database->schema();

  // Version 1 is already recorded: the insert violates the primary key after the SQL ran.
  CHECK_THROWS_AS(driver->apply("CREATE TABLE second (id INTEGER);", make_row("svc", 1, "second")),
                  RevisionFailed);
  CHECK(database->schema() == schema_before);
  CHECK(database->history("svc") == std::vector<std::string>{"1:first"});

  // A checksum that is not 64 hex digits is refused by the table, with the same effect.
  migrate::HistoryRow bad = make_row("svc", 2, "bad_checksum");
  bad.checksum = "not-a-checksum";
  CHECK_THROWS_AS(driver->apply("CREATE TABLE third (id INTEGER);", bad), RevisionFailed);
  CHECK(database->schema() == schema_before);
  CHECK(database->history("svc") == std::vector<std::string>{"1:first"});
}

TEST_CASE("revert runs SQL and removes the history row in one transaction",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  driver->apply("CREATE TABLE a (id INTEGER);", make_row("svc", 1, "a"));
  driver->apply("CREATE TABLE b (id INTEGER);\nCREATE INDEX b_id ON b (id);", make_row("svc", 2, "b"));

  driver->revert("DROP INDEX b_id;\nDROP TABLE b;", "svc", 2);

  CHECK(database->user_tables() == std::vector<std::string>{"a"});
  CHECK(database->history("svc") == std::vector<std::string>{"1:a"});
  CHECK(count_rows(*database, "schema_migrations") == 1);
}

TEST_CASE("a failing revert leaves the schema and the history row unchanged",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  driver->apply("CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);", make_row("svc", 1, "a_and_b"));
  const std::string schema_before = database->schema();

  CHECK_THROWS_AS(driver->revert("DROP TABLE b;\nDROP TABLE missing_table;", "svc", 1), RevisionFailed);

  CHECK(database->schema() == schema_before);
  CHECK(database->user_tables() == std::vector<std::string>{"a", "b"});
  CHECK(database->history("svc") == std::vector<std::string>{"1:a_and_b"});

  // And the connection is usable afterwards.
  driver->revert("DROP TABLE b;\nDROP TABLE a;", "svc", 1);
  CHECK(database->user_tables().empty());
  CHECK(database->history("svc").empty());
}

TEST_CASE("record_history inserts and removes rows atomically without running SQL",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  const std::string schema_before = database->schema();

  // Values reach SQL safely: a quote in a name is stored as written.
  driver->history().record("svc", {make_row("svc", 1, "o'brien"), make_row("svc", 2, "two")}, {});
  CHECK(database->history("svc") == std::vector<std::string>{"1:o'brien", "2:two"});
  CHECK(database->schema() == schema_before);
  const auto history = driver->history().read("svc");
  REQUIRE(history.size() == 2);
  CHECK(history[0].duration_ms == 0);
  CHECK_FALSE(history[0].dirty);
  CHECK(migrate::test::is_iso8601_utc(history[0].applied_at));

  driver->history().record("svc", {make_row("svc", 3, "three")}, {1, 2});
  CHECK(database->history("svc") == std::vector<std::string>{"3:three"});

  // One bad row (a duplicate version) undoes the whole batch, removals included.
  CHECK_THROWS_AS(driver->history().record("svc", {make_row("svc", 4, "four"), make_row("svc", 4, "again")}, {3}),
                  RevisionFailed);
  CHECK(database->history("svc") == std::vector<std::string>{"3:three"});

  // Dirty rows are recorded as dirty.
  driver->history().record("svc", {make_row("svc", 5, "dirty", true)}, {});
  const auto with_dirty = driver->history().read("svc");
  REQUIRE(with_dirty.size() == 2);
  CHECK(with_dirty[1].dirty);
  CHECK(database->schema() == schema_before);
}

TEST_CASE("history rows are scoped by service", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  take_lock(*driver);

  driver->apply("CREATE TABLE dash (id INTEGER);", make_row("dashboard", 1, "dash"));
  driver->apply("CREATE TABLE bot (id INTEGER);", make_row("stream-bot", 1, "bot"));
  driver->history().record("stream-bot", {make_row("stream-bot", 2, "bot_two")}, {});

  REQUIRE(driver->history().read("dashboard").size() == 1);
  CHECK(driver->history().read("dashboard")[0].name == "dash");
  REQUIRE(driver->history().read("stream-bot").size() == 2);
  CHECK(driver->history().read("stream-bot")[0].name == "bot");
  CHECK(driver->history().read("discord-bot").empty());

  // Removing one service's version 1 leaves the other service's version 1 alone.
  driver->revert("DROP TABLE dash;", "dashboard", 1);
  CHECK(driver->history().read("dashboard").empty());
  CHECK(database->history("stream-bot") == std::vector<std::string>{"1:bot", "2:bot_two"});
  driver->history().record("dashboard", {}, {1, 2});
  CHECK(database->history("stream-bot") == std::vector<std::string>{"1:bot", "2:bot_two"});
}

TEST_CASE("versions beyond 32 bits round-trip through the history", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  constexpr migrate::Version big = 20240501120000;
  driver->apply("CREATE TABLE big (id INTEGER);", make_row("svc", big, "timestamp_version"));
  const auto history = driver->history().read("svc");
  REQUIRE(history.size() == 1);
  CHECK(history[0].version == big);
  driver->revert("DROP TABLE big;", "svc", big);
  CHECK(driver->history().read("svc").empty());
}

TEST_CASE("postgres: a server that cannot be reached is reported as DatabaseUnreachable",
          "[conformance][postgres]") {
  CHECK_THROWS_AS(migrate::db::open_driver(migrate::config::parse_database_url(
                                               "postgresql://nobody:secret@127.0.0.1:1/nowhere", "/", "test"),
                                           OpenMode::read_write),
                  migrate::DatabaseUnreachable);
}

TEST_CASE("postgres: a connection lost under the driver is reported as DatabaseUnreachable",
          "[conformance][postgres]") {
  auto database = make_test_database(Dialect::postgres);
  const int operation = GENERATE(0, 1, 2, 3);
  auto driver = open_test_driver(*database);
  take_lock(*driver, "victim@host:1");
  // The administrator (or a server restart) ends the driver's session.
  database->exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  INFO("operation " << operation);
  switch (operation) {
    case 0:
      CHECK_THROWS_AS(driver->history().read("svc"), migrate::DatabaseUnreachable);
      break;
    case 1:
      CHECK_THROWS_AS(driver->apply("CREATE TABLE t (id INTEGER);", make_row("svc", 1, "t")),
                      migrate::DatabaseUnreachable);
      break;
    case 2:
      CHECK_THROWS_AS(driver->history().record("svc", {make_row("svc", 1, "t")}, {}), migrate::DatabaseUnreachable);
      break;
    default:
      CHECK_THROWS_AS(driver->lock().read(), migrate::DatabaseUnreachable);
      break;
  }
  CHECK(database->user_tables().empty());
}
