// PostgreSQL revisions that change their session (search_path, SET ROLE) against a real
// server: the history row still lands with the runner's own settings, nothing leaks into
// the next revision, and migrate's own statements are never blamed on a line of the file.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "conformance/conformance_support.hpp"
#include "migrate/util/error.hpp"

using migrate::Dialect;
using migrate::test::make_row;
using migrate::test::make_test_database;
using migrate::test::open_test_driver;
using migrate::test::take_lock;

namespace {

// A role for one test, dropped (with what it owns in this database) at the end.
class ScratchRole {
 public:
  explicit ScratchRole(migrate::test::TestDatabase& database) : m_database(database) {
    std::random_device random;
    m_name = "migrate_test_owner_" + std::to_string(random() % 1000000000u);
    m_database.exec("CREATE ROLE " + m_name + " NOLOGIN");
    m_database.exec("GRANT CREATE, USAGE ON SCHEMA public TO " + m_name);
  }
  ~ScratchRole() {
    try {
      m_database.exec("DROP OWNED BY " + m_name + "; DROP ROLE " + m_name);
    } catch (...) {
    }
  }
  ScratchRole(const ScratchRole&) = delete;
  ScratchRole& operator=(const ScratchRole&) = delete;
  const std::string& name() const { return m_name; }

 private:
  migrate::test::TestDatabase& m_database;
  std::string m_name;
};

std::string owner_of(migrate::test::TestDatabase& database, const std::string& table) {
  return database.scalar("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = '" + table +
                         "'");
}

}  // namespace

TEST_CASE("a PostgreSQL revision that empties search_path (a pg_dump file) is recorded, and the next one runs "
          "with the runner's search_path",
          "[conformance][postgres]") {
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  const std::string baseline = "SELECT pg_catalog.set_config('search_path', '', false);\n"
                               "CREATE TABLE public.base (id integer);\n";
  const std::string next = "CREATE TABLE plain (id integer);\n";

  SECTION("one revision at a time") {
    driver->apply(baseline, make_row("app", 1, "baseline"));
    driver->apply(next, make_row("app", 2, "plain"));
  }
  SECTION("in one batch") {
    std::vector<migrate::BatchStep> steps;
    steps.push_back({baseline, make_row("app", 1, "baseline"), {}});
    steps.push_back({next, make_row("app", 2, "plain"), {}});
    const migrate::BatchOutcome outcome = driver->run_batch(migrate::BatchKind::apply, steps);
    CHECK_FALSE(outcome.error);
    CHECK(outcome.committed.size() == 2);
  }
  CHECK(database->history("app").size() == 2);
  CHECK(database->scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'plain'") == "1");
}

TEST_CASE("a PostgreSQL revision that says SET ROLE is recorded by the runner, and the role ends with it",
          "[conformance][postgres]") {
  auto database = make_test_database(Dialect::postgres);
  ScratchRole role(*database);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  const std::string owned = "SET ROLE " + role.name() + ";\nCREATE TABLE owned (id integer);\n";
  const std::string mine = "CREATE TABLE mine (id integer);\n";

  SECTION("one revision at a time") {
    driver->apply(owned, make_row("app", 1, "owned"));
    driver->apply(mine, make_row("app", 2, "mine"));
  }
  SECTION("in one batch") {
    std::vector<migrate::BatchStep> steps;
    steps.push_back({owned, make_row("app", 1, "owned"), {}});
    steps.push_back({mine, make_row("app", 2, "mine"), {}});
    const migrate::BatchOutcome outcome = driver->run_batch(migrate::BatchKind::apply, steps);
    CHECK_FALSE(outcome.error);
  }
  SECTION("in a C++ step") {
    driver->apply_step([&](migrate::step::Session& session) { session.execute(owned); }, make_row("app", 1, "owned"));
    driver->apply(mine, make_row("app", 2, "mine"));
  }
  CHECK(database->history("app").size() == 2);
  CHECK(owner_of(*database, "owned") == role.name());
  CHECK(owner_of(*database, "mine") != role.name());
}

TEST_CASE("a PostgreSQL error in migrate's own statement after a revision is not blamed on a line of its file",
          "[conformance][postgres]") {
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  const auto failing = [&] {
    driver->apply("CREATE TABLE a (id integer);\nDROP TABLE schema_migrations;\n", make_row("app", 1, "a"));
  };
  CHECK_THROWS_WITH(failing(), Catch::Contains("schema_migrations") && Catch::Contains("migrate's own") &&
                                   !Catch::Contains("(line"));
  CHECK(database->history("app").empty());
}

TEST_CASE("a psql meta-command in a PostgreSQL revision is named as such", "[conformance][postgres]") {
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  const auto failing = [&] {
    driver->apply("\\restrict 4b2f9c\nCREATE TABLE t (id integer);\n", make_row("app", 1, "t"));
  };
  CHECK_THROWS_WITH(failing(), Catch::Contains("(line 1)") && Catch::Contains("psql meta-command") &&
                                   Catch::Contains("\\restrict"));
}

TEST_CASE("a PostgreSQL no-transaction revision that empties search_path keeps the heartbeat working and ends "
          "with the runner's search_path",
          "[conformance][postgres][no-transaction]") {
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  take_lock(*driver, "isolation@test:1");
  driver->history().record("app", {make_row("app", 1, "baseline", true)}, {});

  int heartbeats = 0;
  driver->execute_each("SELECT pg_catalog.set_config('search_path', '', false);\n"
                       "CREATE TABLE public.base (id integer);\n",
                       [&] {
                         driver->lock().heartbeat("isolation@test:1");
                         ++heartbeats;
                       });
  CHECK(heartbeats == 2);
  driver->history().set_dirty("app", 1, false);
  driver->apply("CREATE TABLE plain (id integer);\n", make_row("app", 2, "plain"));
  CHECK(database->history("app").size() == 2);
  CHECK(database->scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'plain'") == "1");
}

TEST_CASE("temporary tables named like migrate's own do not capture its bookkeeping", "[conformance][postgres]") {
  // A temporary table comes first in every search_path: unqualified, the history row of
  // the revision, and of each one after it on the same connection, would land in it and
  // vanish with the session, and the revisions would run again on the next `up`.
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  take_lock(*driver, "isolation@test:1");
  driver->apply("CREATE TEMP TABLE schema_migrations (LIKE public.schema_migrations INCLUDING ALL);\n"
                "CREATE TEMP TABLE migration_lock (LIKE public.migration_lock INCLUDING ALL);\n",
                make_row("app", 1, "shadow"));
  driver->apply("CREATE TABLE plain (id integer);\n", make_row("app", 2, "plain"));
  std::vector<migrate::BatchStep> steps;
  steps.push_back({"CREATE TABLE more (id integer);\n", make_row("app", 3, "more"), {}});
  CHECK_FALSE(driver->run_batch(migrate::BatchKind::apply, steps).error);
  driver->history().set_dirty("app", 3, true);
  driver->lock().heartbeat("isolation@test:1");

  CHECK(database->history("app").size() == 3);
  CHECK(database->scalar("SELECT dirty FROM public.schema_migrations WHERE version = 3") == "t");
  CHECK(driver->history().read("app").size() == 3);
  REQUIRE(driver->lock().read());
  CHECK(driver->lock().read()->holder == "isolation@test:1");
  driver->lock().unlock("isolation@test:1");
  CHECK(database->scalar("SELECT count(*) FROM public.migration_lock") == "0");
}
