// No-transaction revisions, repair and per-revision timeouts through run::run_up/run_down
// on real databases: the dirty flag brackets the statements, and a failure leaves it set.
#include <catch2/catch.hpp>

#include <pqxx/pqxx>

#include "conformance/conformance_support.hpp"
#include "migrate/run/runner.hpp"
#include "migrate/util/error.hpp"

using migrate::Dialect;
using migrate::Revision;
using migrate::ServiceRevisions;
using migrate::test::make_revision;
using migrate::test::make_test_database;
using migrate::test::settings;
using migrate::test::open_test_driver;
using migrate::test::RecordingObserver;
using namespace std::chrono_literals;

namespace {

std::string dirty_of(migrate::test::TestDatabase& database, int version) {
  return database.scalar("SELECT CASE WHEN dirty THEN 'dirty' ELSE 'clean' END FROM schema_migrations "
                         "WHERE service = 'svc' AND version = " + std::to_string(version));
}

// Revision 1 a plain table; revision 2 a no-transaction index build (CONCURRENTLY on
// PostgreSQL, which refuses to run inside a transaction) plus a row.
std::vector<Revision> revisions(Dialect dialect, const std::string& second_statement = {}) {
  const std::string index = dialect == Dialect::postgres ? "CREATE INDEX CONCURRENTLY notes_body ON notes (body);"
                                                         : "CREATE INDEX notes_body ON notes (body);";
  const std::string drop = dialect == Dialect::postgres ? "DROP INDEX CONCURRENTLY notes_body;" : "DROP INDEX notes_body;";
  return {make_revision(1, "create_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);",
                        "DROP TABLE notes;"),
          make_revision(2, "index_notes",
                        "-- migrate:no-transaction\n" + index + "\n" +
                            (second_statement.empty() ? "INSERT INTO notes VALUES (1, 'a;b');" : second_statement) +
                            "\n",
                        "-- migrate:no-transaction\n" + drop + "\nDELETE FROM notes WHERE id = 1;\n")};
}

bool has_index(migrate::test::TestDatabase& database) {
  return database.schema().find("notes_body") != std::string::npos;
}

}  // namespace

TEST_CASE("a no-transaction revision runs statement by statement and ends clean",
          "[conformance][postgres][sqlite][no-transaction]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  const ServiceRevisions service{"svc", revisions(dialect)};
  RecordingObserver observer;

  REQUIRE(migrate::run::run_up(*driver, service, {}, settings(), observer).size() == 2);
  CHECK(has_index(*database));
  CHECK(database->scalar("SELECT body FROM notes WHERE id = 1") == "a;b");
  CHECK(database->history("svc") == std::vector<std::string>{"1:create_notes", "2:index_notes"});
  CHECK(dirty_of(*database, 2) == "clean");

  migrate::plan::DownTarget one;
  REQUIRE(migrate::run::run_down(*driver, service, one, settings(), observer).size() == 1);
  CHECK_FALSE(has_index(*database));
  CHECK(database->history("svc") == std::vector<std::string>{"1:create_notes"});
  CHECK_FALSE(driver->lock().read());
}

TEST_CASE("a failing no-transaction revision stays dirty, blocks runs, and repair clears it",
          "[conformance][postgres][sqlite][no-transaction]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  ServiceRevisions service{"svc", revisions(dialect, "INSERT INTO no_such_table VALUES (1);")};
  RecordingObserver observer;

  try {
    migrate::run::run_up(*driver, service, {}, settings(), observer);
    FAIL("the failing statement did not fail the run");
  } catch (const migrate::RevisionFailed& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("revision 0002_index_notes failed") != std::string::npos);
    CHECK(message.find("statement 2 (line 3)") != std::string::npos);
    CHECK(message.find("the 1 statement(s) before it stay applied") != std::string::npos);
    CHECK(message.find("left dirty") != std::string::npos);
    CHECK(message.find("`migrate stamp svc 0001`") != std::string::npos);
    CHECK(message.find("rolled back") == std::string::npos);
  }
  // The index statement ran and stays; the row says so.
  CHECK(has_index(*database));
  CHECK(dirty_of(*database, 2) == "dirty");
  CHECK_FALSE(driver->lock().read());

  // Blocked with the exact revision named, both ways.
  try {
    migrate::run::run_up(*driver, service, {}, settings(), observer);
    FAIL("run_up ran on a dirty service");
  } catch (const migrate::BlockedError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("dirty at revision 0002_index_notes") != std::string::npos);
    CHECK(std::string(e.what()).find("`migrate repair svc`") != std::string::npos);
    CHECK(std::string(e.what()).find("`migrate stamp svc 0001`") != std::string::npos);
  }
  CHECK_THROWS_AS(migrate::run::run_down(*driver, service, {}, settings(), observer), migrate::BlockedError);

  // The operator finishes it by hand, fixes the file to match, and repairs.
  database->exec("INSERT INTO notes VALUES (1, 'a;b')");
  service.revisions = revisions(dialect);
  const migrate::run::RepairResult repaired = migrate::run::run_repair(*driver, service, settings(), observer);
  REQUIRE(repaired.changes.size() == 1);
  CHECK(repaired.changes[0].version == 2);
  CHECK(repaired.changes[0].was_dirty);
  CHECK(repaired.changes[0].rerecorded);
  CHECK(dirty_of(*database, 2) == "clean");
  CHECK(database->scalar("SELECT checksum FROM schema_migrations WHERE version = 2") ==
        service.revisions[1].checksum);
  CHECK(migrate::run::run_up(*driver, service, {}, settings(), observer).empty());
  CHECK(migrate::run::run_repair(*driver, service, settings(), observer).changes.empty());
}

TEST_CASE("the history row is dirty while a no-transaction revision's statements run, both ways",
          "[conformance][postgres][sqlite][no-transaction]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  const std::string probe = "INSERT INTO probe SELECT dirty FROM schema_migrations WHERE service = 'svc' AND version = 2;";
  const ServiceRevisions service{
      "svc",
      {make_revision(1, "create_probe", "CREATE TABLE probe (seen BOOLEAN);", "DROP TABLE probe;"),
       make_revision(2, "look", "-- migrate:no-transaction\n" + probe + "\nSELECT 1;\n",
                     "-- migrate:no-transaction\n" + probe + "\n")}};
  RecordingObserver observer;
  REQUIRE(migrate::run::run_up(*driver, service, {}, settings(), observer).size() == 2);
  CHECK(dirty_of(*database, 2) == "clean");
  REQUIRE(migrate::run::run_down(*driver, service, {}, settings(), observer).size() == 1);
  const std::string truth = dialect == Dialect::postgres ? "t" : "1";
  CHECK(database->query("SELECT seen FROM probe") ==
        std::vector<std::vector<std::string>>{{truth}, {truth}});
}

TEST_CASE("a no-transaction down that fails leaves the row dirty", "[conformance][postgres][no-transaction]") {
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  std::vector<Revision> list = revisions(Dialect::postgres);
  list[1] = make_revision(2, "index_notes", list[1].up.sql,
                          "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY notes_body;\nDROP TABLE missing;\n");
  const ServiceRevisions service{"svc", list};
  RecordingObserver observer;
  REQUIRE(migrate::run::run_up(*driver, service, {}, settings(), observer).size() == 2);

  CHECK_THROWS_AS(migrate::run::run_down(*driver, service, {}, settings(), observer), migrate::RevisionFailed);
  CHECK_FALSE(has_index(*database));
  CHECK(dirty_of(*database, 2) == "dirty");
}

TEST_CASE("SQLite statements are split by SQLite's parser: trigger bodies and a column named end",
          "[conformance][sqlite][no-transaction]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  const ServiceRevisions service{
      "svc",
      {make_revision(1, "shifts",
                     "-- migrate:no-transaction\n"
                     "CREATE TABLE shifts (id INTEGER PRIMARY KEY, begin TEXT, end TEXT);\n"
                     "CREATE TABLE log (n INTEGER);\n"
                     "CREATE TRIGGER close AFTER UPDATE ON shifts BEGIN\n"
                     "  UPDATE shifts SET end = NEW.begin WHERE id = NEW.id AND end IS NULL;\n"
                     "  INSERT INTO log VALUES (CASE WHEN NEW.begin IS NULL THEN 0 ELSE 1 END);\n"
                     "END;\n"
                     "INSERT INTO shifts (id, begin) VALUES (1, 'a;b');\n"
                     "UPDATE shifts SET begin = 'c' WHERE id = 1;\n"
                     "VACUUM;\n")}};
  RecordingObserver observer;
  REQUIRE(migrate::run::run_up(*driver, service, {}, settings(), observer).size() == 1);
  CHECK(database->scalar("SELECT end FROM shifts") == "c");
  CHECK(database->scalar("SELECT n FROM log") == "1");
  CHECK(dirty_of(*database, 1) == "clean");
}

TEST_CASE("repair re-records an edited file's checksum and leaves rows without files alone",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  ServiceRevisions service{"svc", revisions(dialect)};
  RecordingObserver observer;
  REQUIRE(migrate::run::run_up(*driver, service, {}, settings(), observer).size() == 2);

  service.revisions[0] = make_revision(1, "create_notes", "-- reworded\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);");
  service.revisions.pop_back();  // revision 2's file is gone
  const std::string schema = database->schema();
  const migrate::run::RepairResult result = migrate::run::run_repair(*driver, service, settings(), observer);
  REQUIRE(result.changes.size() == 1);
  CHECK(result.changes[0].version == 1);
  CHECK_FALSE(result.changes[0].was_dirty);
  CHECK(result.missing == std::vector<migrate::Version>{2});
  CHECK(database->schema() == schema);
  CHECK(database->history("svc") == std::vector<std::string>{"1:create_notes", "2:index_notes"});
  CHECK(database->scalar("SELECT checksum FROM schema_migrations WHERE version = 1") == service.revisions[0].checksum);
}

TEST_CASE("a revision that exceeds its lock_timeout is rolled back and reported as timed out",
          "[conformance][postgres][timeouts]") {
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  RecordingObserver observer;
  const std::vector<Revision> first{make_revision(1, "create_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY);")};
  REQUIRE(migrate::run::run_up(*driver, {"svc", first}, {}, settings(), observer).size() == 1);

  // Another session holds a lock the next revision needs.
  pqxx::connection other(database->url());
  pqxx::work holding(other);
  holding.exec("LOCK TABLE notes IN ACCESS EXCLUSIVE MODE");

  for (const bool transactional : {true, false}) {
    CAPTURE(transactional);
    std::vector<Revision> list = first;
    list.push_back(make_revision(2, "add_body",
                                 std::string(transactional ? "" : "-- migrate:no-transaction\n") +
                                     "-- migrate:lock-timeout 200ms\nCREATE TABLE side (id int);\n"
                                     "ALTER TABLE notes ADD COLUMN body TEXT;"));
    try {
      migrate::run::run_up(*driver, {"svc", list}, {}, settings(), observer);
      FAIL("the revision did not time out");
    } catch (const migrate::RevisionFailed& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find("lock timeout") != std::string::npos);
      CHECK(std::string(e.what()).find("it timed out waiting for a lock (lock_timeout 200ms)") != std::string::npos);
      CHECK(e.sqlstate() == "55P03");
    }
    if (transactional) {
      // Rolled back whole: no side table, no history row.
      CHECK(database->history("svc") == std::vector<std::string>{"1:create_notes"});
      CHECK(database->user_tables() == std::vector<std::string>{"notes"});
    } else {
      CHECK(dirty_of(*database, 2) == "dirty");
    }
  }
  holding.abort();
}

TEST_CASE("statement_timeout from the run settings limits every revision; a directive overrides it",
          "[conformance][postgres][timeouts]") {
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  RecordingObserver observer;
  migrate::run::RunSettings limited = settings();
  limited.timeouts.statement_timeout = 100ms;

  const std::vector<Revision> slow{make_revision(1, "slow", "CREATE TABLE a (id int);\nSELECT pg_sleep(2);")};
  try {
    migrate::run::run_up(*driver, {"svc", slow}, {}, limited, observer);
    FAIL("the revision did not time out");
  } catch (const migrate::RevisionFailed& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("it timed out (statement_timeout 100ms)") != std::string::npos);
    CHECK(std::string(e.what()).find("it was rolled back") != std::string::npos);
  }
  CHECK(database->user_tables().empty());

  // The same SQL with a longer limit of its own passes; the session's setting is back to
  // the server default afterwards.
  const std::vector<Revision> allowed{
      make_revision(1, "slow", "-- migrate:statement-timeout 30s\nCREATE TABLE a (id int);\nSELECT pg_sleep(0.3);")};
  REQUIRE(migrate::run::run_up(*driver, {"svc", allowed}, {}, limited, observer).size() == 1);
  CHECK(database->history("svc") == std::vector<std::string>{"1:slow"});
}

TEST_CASE("a no-transaction revision's session timeouts do not outlive it", "[conformance][postgres][timeouts]") {
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  RecordingObserver observer;
  // The first revision limits itself and, as index builds often do, SETs a value of its
  // own; the second records what its session sees.
  const std::vector<Revision> list{
      make_revision(1, "limited",
                    "-- migrate:no-transaction\n-- migrate:lock-timeout 3s\nSET statement_timeout = 0;\n"
                    "CREATE TABLE seen (lock_timeout text, statement_timeout text);\n"
                    "INSERT INTO seen SELECT current_setting('lock_timeout'), current_setting('statement_timeout');"),
      make_revision(2, "after",
                    "-- migrate:no-transaction\n"
                    "INSERT INTO seen SELECT current_setting('lock_timeout'), current_setting('statement_timeout');")};
  migrate::run::RunSettings limited = settings();
  limited.timeouts.statement_timeout = 20s;
  REQUIRE(migrate::run::run_up(*driver, {"svc", list}, {}, limited, observer).size() == 2);
  CHECK(database->query("SELECT lock_timeout, statement_timeout FROM seen") ==
        std::vector<std::vector<std::string>>{{"3s", "0"}, {"0", "20s"}});
}
