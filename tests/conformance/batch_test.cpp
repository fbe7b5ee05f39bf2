// Driver::run_batch and the runner's batching on real databases: each revision of a batch
// commits on its own with its history row, a failure keeps the ones before it and is
// named with the failing revision's own line, and a batch the server refuses whole runs
// again up to the revision it refused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

#include "conformance/conformance_support.hpp"
#include "migrate/run/runner.hpp"
#include "migrate/util/error.hpp"

using migrate::Dialect;
using migrate::Revision;
using migrate::BatchKind;
using migrate::BatchOutcome;
using migrate::BatchStep;
using migrate::test::make_revision;
using migrate::test::make_row;
using migrate::test::make_test_database;
using migrate::test::settings;
using migrate::test::open_test_driver;
using migrate::test::RecordingObserver;
using namespace std::chrono_literals;

namespace {

// Revision i creates table t_i; `broken` replaces the up script of one revision.
std::vector<Revision> tables(int count, int broken_version = 0, const std::string& broken_sql = {}) {
  std::vector<Revision> revisions;
  for (int i = 1; i <= count; ++i) {
    const std::string table = "t_" + std::to_string(i);
    const std::string up = i == broken_version ? broken_sql : "CREATE TABLE " + table + " (id INTEGER);\n";
    revisions.push_back(make_revision(i, "table_" + std::to_string(i), up, "DROP TABLE " + table + ";\n"));
  }
  return revisions;
}

// The revisions as batch steps; for revert, their down scripts, newest first.
std::vector<BatchStep> steps_of(const std::vector<Revision>& revisions, BatchKind kind = BatchKind::apply) {
  std::vector<BatchStep> steps;
  for (const Revision& revision : revisions) {
    const std::string& sql = kind == BatchKind::apply ? revision.up.sql : revision.down->sql;
    steps.push_back({sql, make_row("svc", revision.version, revision.name), {}});
  }
  if (kind == BatchKind::revert) std::reverse(steps.begin(), steps.end());
  return steps;
}

std::vector<std::string> history_of(const std::vector<Revision>& revisions, std::size_t count) {
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < count; ++i) {
    rows.push_back(std::to_string(revisions[i].version) + ":" + revisions[i].name);
  }
  return rows;
}

}  // namespace

TEST_CASE("run_batch commits each step with its history row and reports each one's duration",
          "[conformance][postgres][sqlite][batch]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  migrate::test::take_lock(*driver);
  std::vector<Revision> revisions = tables(4);
  const std::string slow = dialect == Dialect::postgres
                               ? "CREATE TABLE t_2 (id INTEGER);\nSELECT pg_sleep(0.2);\n"
                               : "CREATE TABLE t_2 (id INTEGER);\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                                 "FROM n WHERE i < 1000000) SELECT count(*) FROM n;\n";
  revisions[1] = make_revision(2, "table_2", slow, "DROP TABLE t_2;\n");

  const BatchOutcome outcome = driver->run_batch(BatchKind::apply, steps_of(revisions));
  CHECK_FALSE(outcome.error);
  CHECK(outcome.failed_at == 4);
  REQUIRE(outcome.committed.size() == 4);
  CHECK(database->history("svc") == history_of(revisions, 4));
  CHECK(database->user_tables() == std::vector<std::string>{"t_1", "t_2", "t_3", "t_4"});
  // The slow step's own time, not the batch's so far: the server (or the driver) times
  // each step from its own start.
  if (dialect == Dialect::postgres) CHECK(outcome.committed[1] >= 200ms);
  CHECK(outcome.committed[1] > outcome.committed[2]);
  const auto rows = driver->history().read("svc");
  REQUIRE(rows.size() == 4);
  // The recorded duration is the same measurement taken when the row is written: a
  // statement before the reported one on PostgreSQL; on SQLite before the commit, which the
  // reported one includes.
  if (dialect == Dialect::postgres) {
    CHECK(std::abs(rows[1].duration_ms - outcome.committed[1].count()) <= 1);
  } else {
    CHECK(rows[1].duration_ms <= outcome.committed[1].count());
  }
  // applied_at is each revision's own start, in order.
  CHECK(rows[0].applied_at <= rows[1].applied_at);
  CHECK(rows[1].applied_at < rows[2].applied_at);

  const BatchOutcome reverted = driver->run_batch(BatchKind::revert, steps_of(revisions, BatchKind::revert));
  CHECK_FALSE(reverted.error);
  CHECK(reverted.committed.size() == 4);
  CHECK(database->history("svc").empty());
  CHECK(database->user_tables().empty());
}

TEST_CASE("run_batch stops at a failing step, keeps the ones before it and names the step's own line",
          "[conformance][postgres][sqlite][batch]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  migrate::test::take_lock(*driver);
  const std::vector<Revision> revisions =
      tables(5, 3, "CREATE TABLE t_3 (id INTEGER);\nINSERT INTO missing_table VALUES (1);\n");

  const BatchOutcome outcome = driver->run_batch(BatchKind::apply, steps_of(revisions));
  REQUIRE(outcome.error);
  CHECK(outcome.failed_at == 2);
  CHECK(outcome.committed.size() == 2);
  const std::string message = outcome.error->what();
  INFO(message);
  CHECK(message.find("missing_table") != std::string::npos);
  if (dialect == Dialect::postgres) {
    CHECK(message.find("(line 2)") != std::string::npos);
    CHECK(outcome.error->sqlstate() == "42P01");
  }
  CHECK(database->history("svc") == history_of(revisions, 2));
  CHECK(database->user_tables() == std::vector<std::string>{"t_1", "t_2"});

  // The connection is usable afterwards: the rest, mended, goes on from there.
  const std::vector<Revision> mended = tables(5);
  const BatchOutcome rest =
      driver->run_batch(BatchKind::apply, steps_of(std::vector<Revision>(mended.begin() + 2, mended.end())));
  CHECK_FALSE(rest.error);
  CHECK(database->history("svc") == history_of(mended, 5));
}

TEST_CASE("run_batch on PostgreSQL: a syntax error in a later step runs nothing and names that step",
          "[conformance][postgres][batch]") {
  // The server parses the whole query before running any of it.
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  migrate::test::take_lock(*driver);
  const std::vector<Revision> revisions = tables(4, 3, "CREATE TABLE t_3 (id INTEGER);\nCREAT TABLE oops (id INTEGER);\n");

  const BatchOutcome outcome = driver->run_batch(BatchKind::apply, steps_of(revisions));
  REQUIRE(outcome.error);
  CHECK(outcome.committed.empty());
  CHECK(outcome.failed_at == 2);
  const std::string message = outcome.error->what();
  INFO(message);
  CHECK(message.find("syntax error at or near \"CREAT\" (line 2)") != std::string::npos);
  CHECK(database->history("svc").empty());
  CHECK(database->user_tables().empty());
}

TEST_CASE("run_up batches quick revisions and still stops exactly at the failing one",
          "[conformance][postgres][sqlite][batch]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  const bool syntax = GENERATE(false, true);
  if (syntax && dialect == Dialect::sqlite) return;  // SQLite runs each step on its own anyway
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  // Batches of 1, 2 and 4 revisions: 0006 is in the third, after 0004 and 0005.
  const std::string broken = syntax ? "CREATE TABLE t_6 (id INTEGER);\n\nCREAT TABLE oops (id INTEGER);\n"
                                    : "CREATE TABLE t_6 (id INTEGER);\n\nINSERT INTO missing_table VALUES (1);\n";
  const std::vector<Revision> revisions = tables(9, 6, broken);
  RecordingObserver observer;

  try {
    migrate::run::run_up(*driver, {"svc", revisions}, {}, settings(), observer);
    FAIL("run_up of a failing revision did not throw");
  } catch (const migrate::RevisionFailed& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("revision 0006_table_6 failed in 0006_table_6.up.sql") != std::string::npos);
    if (dialect == Dialect::postgres) CHECK(message.find("(line 3)") != std::string::npos);
    CHECK(message.find("it was rolled back") != std::string::npos);
  }
  CHECK(database->history("svc") == history_of(revisions, 5));
  CHECK(database->user_tables() == std::vector<std::string>{"t_1", "t_2", "t_3", "t_4", "t_5"});
  CHECK(std::count(observer.events.begin(), observer.events.end(), "failed svc 0006_table_6 up") == 1);
  CHECK(std::count_if(observer.events.begin(), observer.events.end(), [](const std::string& event) {
          return event.rfind("finished ", 0) == 0;
        }) == 5);
  CHECK_FALSE(driver->lock().read());
}

TEST_CASE("a revision that resets the session inside a batch is counted once and nothing runs twice",
          "[conformance][postgres][batch]") {
  // Which revisions of a batch committed is read from schema_migrations, not from session
  // state a revision can reset.
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  std::vector<Revision> revisions{make_revision(1, "ledger", "CREATE TABLE ledger (n INTEGER PRIMARY KEY);\n",
                                                "DROP TABLE ledger;\n")};
  for (int i = 2; i <= 8; ++i) {
    const std::string n = std::to_string(i);
    revisions.push_back(make_revision(i, "entry_" + n,
                                      std::string(i == 5 ? "RESET ALL;\n" : "") + "INSERT INTO ledger (n) VALUES (" + n + ");\n",
                                      std::string(i == 5 ? "RESET ALL;\n" : "") + "DELETE FROM ledger WHERE n = " + n + ";\n"));
  }
  RecordingObserver observer;
  const auto applied = migrate::run::run_up(*driver, {"svc", revisions}, {}, settings(), observer);
  CHECK(applied.size() == 8);
  CHECK(database->history("svc") == history_of(revisions, 8));
  CHECK(database->scalar("SELECT count(*) FROM ledger") == "7");

  migrate::plan::DownTarget all;
  all.mode = migrate::plan::DownTarget::Mode::all;
  const auto reverted = migrate::run::run_down(*driver, {"svc", revisions}, all, settings(), observer);
  CHECK(reverted.size() == 8);
  CHECK(database->history("svc").empty());
  CHECK(database->user_tables().empty());
}
