// What the drivers do with SQL that would not run whole in migrate's transaction: a NUL
// byte (the SQL is a C string to libpq and SQLite), a revision that ends the transaction
// itself, and an empty revision, which must still record its history row.
#include <catch2/catch.hpp>

#include <string>

#include "conformance/conformance_support.hpp"
#include "migrate/util/error.hpp"

using migrate::Dialect;
using migrate::RevisionFailed;
using migrate::test::make_row;
using migrate::test::make_test_database;
using migrate::test::open_test_driver;
using migrate::test::take_lock;
using namespace std::string_literals;

TEST_CASE("SQL with a NUL byte is refused before any of it runs", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  const std::string sql = "CREATE TABLE t1 (x int);\0CREATE TABLE t2 (x int);\n"s;

  CHECK_THROWS_AS(driver->apply(sql, make_row("svc", 1, "a")), RevisionFailed);
  CHECK_THROWS_AS(driver->execute_each(sql, [] {}), RevisionFailed);
  const migrate::BatchOutcome outcome = driver->run_batch(
      migrate::BatchKind::apply,
      {{"CREATE TABLE ok (x int);", make_row("svc", 1, "ok"), {}}, {sql, make_row("svc", 2, "a"), {}}});
  CHECK(outcome.error);
  CHECK(outcome.failed_at == 1);
  // The step before it ran (SQLite) or is to be run again (PostgreSQL); the NUL one never.
  CHECK(database->user_tables() == (outcome.committed.empty() ? std::vector<std::string>{}
                                                               : std::vector<std::string>{"ok"}));
  CHECK(database->history("svc") == (outcome.committed.empty() ? std::vector<std::string>{}
                                                                : std::vector<std::string>{"1:ok"}));
  CHECK_THROWS_AS(driver->revert(sql, "svc", 1), RevisionFailed);
  // The connection is still usable, with no transaction left open.
  driver->apply("CREATE TABLE after (x int);", make_row("svc", 3, "after"));
  CHECK(driver->history().read("svc").back().version == 3);
}

TEST_CASE("on SQLite a revision that ends migrate's transaction fails without its history row",
          "[conformance][sqlite]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  CHECK_THROWS_AS(driver->apply("CREATE TABLE a (x);\nCOMMIT;\nCREATE TABLE b (x);", make_row("svc", 1, "a")),
                  RevisionFailed);
  CHECK(database->history("svc").empty());
  driver->apply("CREATE TABLE c (x);", make_row("svc", 2, "c"));
  CHECK(database->history("svc") == std::vector<std::string>{"2:c"});
}

TEST_CASE("an empty revision records and removes its history row", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  driver->apply("", make_row("svc", 1, "empty"));
  driver->apply("-- only a comment", make_row("svc", 2, "comment"));
  CHECK(database->history("svc") == std::vector<std::string>{"1:empty", "2:comment"});
  driver->revert("", "svc", 2);
  driver->revert("/* nothing */", "svc", 1);
  CHECK(database->history("svc").empty());
}
