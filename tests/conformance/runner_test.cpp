// run::run_up, run_down and run_stamp on real databases with in-memory revisions: order,
// failure handling, re-reading history under the lock, dirty and drift blocks, stamping.
#include <catch2/catch.hpp>

#include <atomic>
#include <exception>
#include <thread>

#include "conformance/conformance_support.hpp"
#include "migrate/run/runner.hpp"
#include "migrate/util/error.hpp"

using migrate::Dialect;
using migrate::Revision;
using migrate::Version;
using migrate::ServiceRevisions;
using migrate::test::make_revision;
using migrate::test::make_row;
using migrate::test::make_test_database;
using migrate::test::settings;
using migrate::test::open_test_driver;
using migrate::test::RecordingObserver;
using namespace std::chrono_literals;

namespace {

// Three revisions where each depends on the one before.
std::vector<Revision> three_revisions() {
  return {
      make_revision(1, "create_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
                    "DROP TABLE notes;"),
      make_revision(2, "create_extra",
                    "CREATE TABLE extra (note_id INTEGER NOT NULL REFERENCES notes (id));\n"
                    "INSERT INTO notes (id, body) VALUES (1, 'hello');\n"
                    "INSERT INTO extra (note_id) VALUES (1);",
                    "DROP TABLE extra;\nDELETE FROM notes WHERE id = 1;"),
      make_revision(3, "create_tags", "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nCREATE INDEX tags_id ON tags (id);",
                    "DROP INDEX tags_id;\nDROP TABLE tags;"),
  };
}

std::vector<std::string> labels(const std::vector<migrate::RevisionRef>& revisions) {
  std::vector<std::string> out;
  for (const migrate::RevisionRef& revision : revisions) {
    out.push_back(migrate::format_version(revision.version) + "_" + revision.name);
  }
  return out;
}

// Sets a flag when the run starts waiting for the lock; safe to read from another thread.
class WaitingObserver final : public migrate::run::RunObserver {
 public:
  std::atomic<bool> waiting{false};
  void lock_waiting(const std::string&, const migrate::LockInfo&) override { waiting = true; }
};

}  // namespace

TEST_CASE("run_up applies pending revisions in order, each with its history row",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  const ServiceRevisions service{"svc", three_revisions()};
  RecordingObserver observer;

  const auto applied = migrate::run::run_up(*driver, service, {}, settings(), observer);

  CHECK(labels(applied) == std::vector<std::string>{"0001_create_notes", "0002_create_extra", "0003_create_tags"});
  CHECK(database->user_tables() == std::vector<std::string>{"extra", "notes", "tags"});
  CHECK(database->scalar("SELECT count(*) FROM extra") == "1");
  const auto history = driver->history().read("svc");
  REQUIRE(history.size() == 3);
  for (std::size_t i = 0; i < history.size(); ++i) {
    CHECK(history[i].version == service.revisions[i].version);
    CHECK(history[i].name == service.revisions[i].name);
    CHECK(history[i].checksum == service.revisions[i].checksum);
    CHECK(history[i].kind == "sql");
    CHECK(history[i].applied_by == "tester@host");
    CHECK_FALSE(history[i].dirty);
  }
  // The first revision runs alone, the next two in one batch: both started before it is sent.
  CHECK(observer.events == std::vector<std::string>{
                               "started svc 0001_create_notes up", "finished svc 0001_create_notes up",
                               "started svc 0002_create_extra up", "started svc 0003_create_tags up",
                               "finished svc 0002_create_extra up", "finished svc 0003_create_tags up"});
  CHECK_FALSE(driver->lock().read());
}

TEST_CASE("run_up stops at a failing revision and keeps the ones applied before it",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  std::vector<Revision> revisions = three_revisions();
  revisions[1] = make_revision(2, "broken", "CREATE TABLE partial (id INTEGER);\nINSERT INTO missing_table VALUES (1);",
                               "DROP TABLE partial;");
  RecordingObserver observer;

  try {
    migrate::run::run_up(*driver, {"svc", revisions}, {}, settings(), observer);
    FAIL("run_up of a failing revision did not throw");
  } catch (const migrate::RevisionFailed& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("0002_broken") != std::string::npos);
    CHECK(message.find("0002_broken.up.sql") != std::string::npos);
    CHECK(message.find("svc") != std::string::npos);
    if (dialect == Dialect::postgres) CHECK(e.sqlstate() == "42P01");
  }

  CHECK(database->history("svc") == std::vector<std::string>{"1:create_notes"});
  CHECK(database->user_tables() == std::vector<std::string>{"notes"});
  // 0003 was in the failed revision's batch: started, never reached.
  CHECK(observer.events == std::vector<std::string>{"started svc 0001_create_notes up",
                                                    "finished svc 0001_create_notes up", "started svc 0002_broken up",
                                                    "started svc 0003_create_tags up", "failed svc 0002_broken up"});
  CHECK_FALSE(driver->lock().read());

  // Once the revision is mended, the next run picks up where the last one stopped.
  RecordingObserver second;
  const auto applied = migrate::run::run_up(*driver, {"svc", three_revisions()}, {}, settings(), second);
  CHECK(labels(applied) == std::vector<std::string>{"0002_create_extra", "0003_create_tags"});
  CHECK(database->user_tables() == std::vector<std::string>{"extra", "notes", "tags"});
}

TEST_CASE("a second run_up applies nothing", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto first = open_test_driver(*database);
  auto second = open_test_driver(*database);
  const ServiceRevisions service{"svc", three_revisions()};
  RecordingObserver observer;

  CHECK(migrate::run::run_up(*first, service, {}, settings(), observer).size() == 3);
  const std::string schema = database->schema();
  RecordingObserver again;
  CHECK(migrate::run::run_up(*second, service, {}, settings(), again).empty());
  CHECK(again.events.empty());
  CHECK(database->schema() == schema);
  CHECK(database->history("svc").size() == 3);
}

TEST_CASE("run_up reads the history under the lock, so work done while it waited is not repeated",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto other_runner = open_test_driver(*database);
  auto waiter = open_test_driver(*database);
  const ServiceRevisions service{"svc", three_revisions()};
  REQUIRE(other_runner->lock().try_lock("other@host:9", migrate::test::k_ten_minutes).acquired);

  migrate::run::RunSettings waiting_settings = settings();
  waiting_settings.lock.wait = 10'000ms;
  WaitingObserver observer;
  std::vector<migrate::RevisionRef> applied_by_waiter{migrate::RevisionRef{}};
  std::exception_ptr failure;
  std::thread run([&] {
    try {
      applied_by_waiter = migrate::run::run_up(*waiter, service, {}, waiting_settings, observer);
    } catch (...) {
      failure = std::current_exception();
    }
  });

  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!observer.waiting && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  const bool waited = observer.waiting;
  // The other runner does the work while the waiter polls, then lets go.
  for (const Revision& revision : service.revisions) {
    other_runner->apply(revision.up.sql, {"svc", revision.version, revision.name, "sql", revision.checksum,
                                          "other@host", false, {}});
  }
  other_runner->lock().unlock("other@host:9");
  run.join();

  CHECK(waited);
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      FAIL("the waiting run_up failed: " << e.what());
    }
  }
  CHECK(applied_by_waiter.empty());
  CHECK(database->history("svc").size() == 3);
  CHECK(database->scalar("SELECT count(DISTINCT applied_by) FROM schema_migrations") == "1");
  CHECK_FALSE(waiter->lock().read());
}

TEST_CASE("a dirty history row blocks run_up and run_down", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  const ServiceRevisions service{"svc", three_revisions()};
  RecordingObserver observer;
  migrate::plan::UpTarget to_one;
  to_one.to = 1;
  REQUIRE(migrate::run::run_up(*driver, service, to_one, settings(), observer).size() == 1);
  // Revision 2 stopped partway (as a no-transaction revision can): its row is dirty.
  migrate::HistoryRow dirty = make_row("svc", 2, "create_extra", true);
  dirty.checksum = service.revisions[1].checksum;
  driver->history().record("svc", {dirty}, {});
  const std::string schema = database->schema();

  try {
    migrate::run::run_up(*driver, service, {}, settings(), observer);
    FAIL("run_up ran on a dirty service");
  } catch (const migrate::BlockedError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("0002") != std::string::npos);
    CHECK(e.code() == migrate::ExitCode::blocked);
  }
  CHECK_THROWS_AS(migrate::run::run_down(*driver, service, {}, settings(), observer), migrate::BlockedError);

  CHECK(database->schema() == schema);
  CHECK(database->history("svc") == std::vector<std::string>{"1:create_notes", "2:create_extra"});
  CHECK_FALSE(driver->lock().read());
}

TEST_CASE("drift blocks run_up unless allow_drift", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  std::vector<Revision> revisions = three_revisions();
  RecordingObserver observer;
  migrate::plan::UpTarget to_two;
  to_two.to = 2;
  REQUIRE(migrate::run::run_up(*driver, {"svc", revisions}, to_two, settings(), observer).size() == 2);

  // Revision 1's file was edited after it was applied.
  revisions[0] = make_revision(1, "create_notes",
                               "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, extra TEXT);",
                               "DROP TABLE notes;");
  const std::string schema = database->schema();
  try {
    migrate::run::run_up(*driver, {"svc", revisions}, {}, settings(), observer);
    FAIL("run_up ran despite drift");
  } catch (const migrate::BlockedError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("drift") != std::string::npos);
  }
  CHECK(database->schema() == schema);
  CHECK_FALSE(driver->lock().read());

  migrate::run::RunSettings allowing = settings();
  allowing.allow_drift = true;
  const auto applied = migrate::run::run_up(*driver, {"svc", revisions}, {}, allowing, observer);
  CHECK(labels(applied) == std::vector<std::string>{"0003_create_tags"});
  // The recorded checksum of the edited revision is left as it was.
  CHECK(driver->history().read("svc")[0].checksum == three_revisions()[0].checksum);
}

TEST_CASE("run_down rolls back newest first, each with its history row", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  const ServiceRevisions service{"svc", three_revisions()};
  RecordingObserver observer;
  REQUIRE(migrate::run::run_up(*driver, service, {}, settings(), observer).size() == 3);

  const auto one = migrate::run::run_down(*driver, service, {}, settings(), observer);
  CHECK(labels(one) == std::vector<std::string>{"0003_create_tags"});
  CHECK(database->user_tables() == std::vector<std::string>{"extra", "notes"});
  CHECK(database->history("svc") == std::vector<std::string>{"1:create_notes", "2:create_extra"});

  RecordingObserver down_observer;
  migrate::plan::DownTarget all;
  all.mode = migrate::plan::DownTarget::Mode::all;
  const auto rest = migrate::run::run_down(*driver, service, all, settings(), down_observer);
  CHECK(labels(rest) == std::vector<std::string>{"0002_create_extra", "0001_create_notes"});
  CHECK(database->user_tables().empty());
  CHECK(database->history("svc").empty());
  CHECK(down_observer.events == std::vector<std::string>{
                                    "started svc 0002_create_extra down", "finished svc 0002_create_extra down",
                                    "started svc 0001_create_notes down", "finished svc 0001_create_notes down"});
  CHECK_FALSE(driver->lock().read());
}

TEST_CASE("run_down stops at a failing revision and keeps the ones rolled back before it",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  std::vector<Revision> revisions = three_revisions();
  revisions[1].down = migrate::RevisionScript{"0002_create_extra.down.sql",
                                              "DROP TABLE extra;\nDROP TABLE missing_table;", {}};
  RecordingObserver observer;
  REQUIRE(migrate::run::run_up(*driver, {"svc", revisions}, {}, settings(), observer).size() == 3);

  migrate::plan::DownTarget all;
  all.mode = migrate::plan::DownTarget::Mode::all;
  try {
    migrate::run::run_down(*driver, {"svc", revisions}, all, settings(), observer);
    FAIL("run_down of a failing revision did not throw");
  } catch (const migrate::RevisionFailed& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("0002_create_extra.down.sql") != std::string::npos);
  }
  CHECK(database->user_tables() == std::vector<std::string>{"extra", "notes"});
  CHECK(database->history("svc") == std::vector<std::string>{"1:create_notes", "2:create_extra"});
  CHECK_FALSE(driver->lock().read());
}

TEST_CASE("run_stamp records rows without running SQL, and stamp 0 removes them all",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  const ServiceRevisions service{"svc", three_revisions()};
  RecordingObserver observer;

  const auto to_two = migrate::run::run_stamp(*driver, service, 2, settings(), observer);
  CHECK(to_two.recorded == std::vector<Version>{1, 2});
  CHECK(to_two.removed.empty());
  CHECK(database->user_tables().empty());
  const auto history = driver->history().read("svc");
  REQUIRE(history.size() == 2);
  CHECK(history[0].checksum == service.revisions[0].checksum);
  CHECK(history[1].applied_by == "tester@host");
  CHECK(history[1].duration_ms == 0);
  CHECK_FALSE(driver->lock().read());

  // The baseline holds: up runs only what lies above it.
  const auto applied = migrate::run::run_up(*driver, service, {}, settings(), observer);
  CHECK(labels(applied) == std::vector<std::string>{"0003_create_tags"});

  const auto to_one = migrate::run::run_stamp(*driver, service, 1, settings(), observer);
  CHECK(to_one.recorded.empty());
  CHECK(to_one.removed == std::vector<Version>{2, 3});
  CHECK(database->history("svc") == std::vector<std::string>{"1:create_notes"});

  const auto base = migrate::run::run_stamp(*driver, service, 0, settings(), observer);
  CHECK(base.recorded.empty());
  CHECK(base.removed == std::vector<Version>{1});
  CHECK(database->history("svc").empty());
  CHECK(database->user_tables() == std::vector<std::string>{"tags"});  // no down SQL ran
  CHECK(observer.events.size() == 2);  // only run_up's own step events
}

TEST_CASE("with a revision numbered 0, stamp 0 records it and base (nullopt) removes everything",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  std::vector<Revision> revisions = three_revisions();
  revisions.insert(revisions.begin(), make_revision(0, "init", "CREATE TABLE zero (id INTEGER);", "DROP TABLE zero;"));
  const ServiceRevisions service{"svc", revisions};
  RecordingObserver observer;

  const auto zero = migrate::run::run_stamp(*driver, service, Version{0}, settings(), observer);
  CHECK(zero.recorded == std::vector<Version>{0});
  CHECK(database->history("svc") == std::vector<std::string>{"0:init"});

  REQUIRE(migrate::run::run_stamp(*driver, service, Version{3}, settings(), observer).recorded.size() == 3);
  const auto back_to_zero = migrate::run::run_stamp(*driver, service, Version{0}, settings(), observer);
  CHECK(back_to_zero.removed == std::vector<Version>{1, 2, 3});
  CHECK(database->history("svc") == std::vector<std::string>{"0:init"});

  const auto base = migrate::run::run_stamp(*driver, service, std::nullopt, settings(), observer);
  CHECK(base.removed == std::vector<Version>{0});
  CHECK(database->history("svc").empty());
  CHECK(database->user_tables().empty());

  // Revision 0 applies and rolls back like any other.
  const auto applied = migrate::run::run_up(*driver, service, {}, settings(), observer);
  CHECK(labels(applied) == std::vector<std::string>{"0000_init", "0001_create_notes", "0002_create_extra",
                                                    "0003_create_tags"});
  migrate::plan::DownTarget all;
  all.mode = migrate::plan::DownTarget::Mode::all;
  CHECK(migrate::run::run_down(*driver, service, all, settings(), observer).size() == 4);
  CHECK(database->history("svc").empty());
  CHECK(database->user_tables().empty());
}

TEST_CASE("dirty advice names base, not a stamp at 0, when nothing lies below a dirty revision 1",
          "[conformance]") {
  migrate::AppliedRevision zero;
  zero.version = 0;
  migrate::AppliedRevision one;
  one.version = 1;
  one.dirty = true;
  CHECK(migrate::run::dirty_advice("svc", 1, {one}).find("`migrate stamp svc base`") != std::string::npos);
  CHECK(migrate::run::dirty_advice("svc", 1, {zero, one}).find("`migrate stamp svc 0000`") != std::string::npos);
}

TEST_CASE("run_stamp refuses an unknown version and clears a dirty row at its target",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  const ServiceRevisions service{"svc", three_revisions()};
  RecordingObserver observer;
  REQUIRE(migrate::run::run_stamp(*driver, service, 1, settings(), observer).recorded.size() == 1);

  CHECK_THROWS_AS(migrate::run::run_stamp(*driver, service, 7, settings(), observer), migrate::UsageError);
  CHECK(database->history("svc") == std::vector<std::string>{"1:create_notes"});

  migrate::HistoryRow dirty = make_row("svc", 2, "create_extra", true);
  dirty.checksum = service.revisions[1].checksum;
  driver->history().record("svc", {dirty}, {});
  const auto result = migrate::run::run_stamp(*driver, service, 2, settings(), observer);
  CHECK(result.recorded == std::vector<Version>{2});
  CHECK(result.removed.empty());
  const auto history = driver->history().read("svc");
  REQUIRE(history.size() == 2);
  CHECK_FALSE(history[1].dirty);
  // No longer blocked.
  const auto applied = migrate::run::run_up(*driver, service, {}, settings(), observer);
  CHECK(labels(applied) == std::vector<std::string>{"0003_create_tags"});
}

TEST_CASE("run_up refuses an out-of-order revision unless allowed", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  std::vector<Revision> revisions = three_revisions();
  revisions[1] = make_revision(2, "late_arrival", "CREATE TABLE late (id INTEGER);", "DROP TABLE late;");
  RecordingObserver observer;
  REQUIRE(migrate::run::run_up(*driver, {"svc", {revisions[0], revisions[2]}}, {}, settings(), observer).size() == 2);

  try {
    migrate::run::run_up(*driver, {"svc", revisions}, {}, settings(), observer);
    FAIL("run_up skipped over or applied an out-of-order revision");
  } catch (const migrate::BlockedError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("0002") != std::string::npos);
  }
  CHECK(database->user_tables() == std::vector<std::string>{"notes", "tags"});
  CHECK_FALSE(driver->lock().read());

  migrate::plan::UpTarget allow;
  allow.allow_out_of_order = true;
  const auto applied = migrate::run::run_up(*driver, {"svc", revisions}, allow, settings(), observer);
  CHECK(labels(applied) == std::vector<std::string>{"0002_late_arrival"});
  CHECK(database->history("svc").size() == 3);
}

TEST_CASE("an observer that throws before a step stops the run before the revision runs",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  class RefusingObserver final : public migrate::run::RunObserver {
   public:
    void step_started(const std::string&, const Revision& revision, migrate::run::Direction) override {
      if (revision.version == 2) throw std::runtime_error("cannot write the audit log");
    }
  } observer;

  CHECK_THROWS_AS(migrate::run::run_up(*driver, {"svc", three_revisions()}, {}, settings(), observer),
                  std::runtime_error);
  CHECK(database->history("svc") == std::vector<std::string>{"1:create_notes"});
  CHECK(database->user_tables() == std::vector<std::string>{"notes"});
  CHECK_FALSE(driver->lock().read());
}
