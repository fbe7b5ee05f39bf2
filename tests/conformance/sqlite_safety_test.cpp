// The SQLite driver's safety rules on real files: table rebuilds under foreign keys (off for
// the revision, checked before commit), a lock holder of this host judged by its process,
// and another connection's write lock waited for up to the lock wait, then named.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "conformance/conformance_support.hpp"
#include "migrate/run/lock_guard.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/system.hpp"
#include "support/child_process.hpp"

using migrate::Dialect;
using migrate::test::count_rows;
using migrate::test::k_ten_minutes;
using migrate::test::make_row;
using migrate::test::make_test_database;
using migrate::test::open_test_driver;
using migrate::test::take_lock;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_users_and_posts =
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE);"
    "INSERT INTO users VALUES (1, 'ann'), (2, 'bob');"
    "INSERT INTO posts VALUES (1, 1), (2, 1), (3, 2);";

// SQLite's 12-step table rebuild: new table, copy, drop the old one, rename.
constexpr const char* k_rebuild_users =
    "CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');\n"
    "INSERT INTO users_new (id, name) SELECT id, name FROM users;\n"
    "DROP TABLE users;\n"
    "ALTER TABLE users_new RENAME TO users;\n";

std::string sqlite_path(const migrate::test::TestDatabase& database) {
  const std::string url = database.url();
  return url.substr(url.find("///") + 2);
}

// The pid of a process that has exited and been reaped: no process has it (until reused).
pid_t gone_pid() {
  migrate::test::ChildProcess child([] { return 0; }, {});
  child.wait();  // reaped
  return child.pid();
}

std::string holder_on_this_host(pid_t pid) { return migrate::util::user_at_host() + ":" + std::to_string(pid); }

// Makes migration_lock hold a row for holder, from the test's side.
void plant_lock_row(migrate::test::TestDatabase& database, const std::string& holder, const std::string& acquired_at,
                    const std::string& heartbeat_at) {
  database.exec("DELETE FROM migration_lock");
  database.exec("INSERT INTO migration_lock (lock_id, holder, acquired_at, heartbeat_at) VALUES (1, '" + holder +
                "', " + acquired_at + ", " + heartbeat_at + ")");
}

constexpr const char* k_now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
constexpr const char* k_long_ago = "'2000-01-01T00:00:00.000Z'";

// Another program's connection holding the file's write lock (BEGIN IMMEDIATE) on a thread
// until released; the constructor returns once the lock is held.
class ForeignWriter {
 public:
  explicit ForeignWriter(const std::string& path) {
    std::promise<void> holding;
    std::future<void> held = holding.get_future();
    m_thread = std::thread([this, path, &holding] {
      SQLite::Database db(path, SQLite::OPEN_READWRITE);
      db.exec("BEGIN IMMEDIATE");
      holding.set_value();
      while (!m_release.load()) std::this_thread::sleep_for(10ms);
      db.exec("ROLLBACK");
    });
    held.wait();
  }
  ~ForeignWriter() { release(); }
  ForeignWriter(const ForeignWriter&) = delete;
  ForeignWriter& operator=(const ForeignWriter&) = delete;
  void release() {
    m_release = true;
    if (m_thread.joinable()) m_thread.join();
  }

 private:
  std::atomic<bool> m_release{false};
  std::thread m_thread;
};

}  // namespace

TEST_CASE("a SQLite table rebuild in a revision keeps the rows that reference the table", "[conformance][sqlite]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  driver->apply(k_users_and_posts, make_row("app", 1, "users_and_posts"));

  SECTION("applied alone") { driver->apply(k_rebuild_users, make_row("app", 2, "rebuild_users")); }
  SECTION("in a batch") {
    std::vector<migrate::BatchStep> steps;
    steps.push_back({k_rebuild_users, make_row("app", 2, "rebuild_users"), {}});
    steps.push_back({"CREATE INDEX posts_user ON posts (user_id);", make_row("app", 3, "index"), {}});
    const migrate::BatchOutcome outcome = driver->run_batch(migrate::BatchKind::apply, steps);
    CHECK_FALSE(outcome.error);
    CHECK(outcome.committed.size() == 2);
  }
  SECTION("in a C++ step") {
    driver->apply_step([](migrate::step::Session& session) { session.execute(k_rebuild_users); },
                       make_row("app", 2, "rebuild_users"));
  }

  CHECK(count_rows(*database, "posts") == 3);
  CHECK(count_rows(*database, "users") == 2);
  // The rename pointed posts' reference at the new table, and foreign keys are back on
  // for the driver's connection: an orphan written outside any revision is refused.
  CHECK(database->scalar("SELECT count(*) FROM pragma_foreign_key_check") == "0");
  CHECK_THROWS_AS(driver->execute_each("INSERT INTO posts VALUES (9, 99);", [] {}), migrate::RevisionFailed);
  CHECK(count_rows(*database, "posts") == 3);
}

TEST_CASE("a SQLite revision that leaves a row without its parent fails, rolled back, naming the row",
          "[conformance][sqlite]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  take_lock(*driver);
  driver->apply(k_users_and_posts, make_row("app", 1, "users_and_posts"));
  const std::string schema = database->schema();

  const auto failing = [&] {
    driver->apply("CREATE TABLE notes (id INTEGER);\nDELETE FROM users WHERE id = 2;\n",
                  make_row("app", 2, "delete_bob"));
  };
  CHECK_THROWS_WITH(failing(), Catch::Contains("posts row rowid 3 references a missing row of users") &&
                                   Catch::Contains("rolled back"));
  CHECK(database->schema() == schema);
  CHECK(database->history("app").size() == 1);
  CHECK(count_rows(*database, "users") == 2);
  // Foreign keys are on again after the failure.
  CHECK_THROWS_AS(driver->execute_each("INSERT INTO posts VALUES (9, 99);", [] {}), migrate::RevisionFailed);
}

TEST_CASE("a SQLite lock holder of this host whose process is gone is taken over at once",
          "[conformance][sqlite][lock]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  take_lock(*driver, "setup@test:1");
  driver->lock().unlock("setup@test:1");
  const std::string dead = holder_on_this_host(gone_pid());
  plant_lock_row(*database, dead, k_now, k_now);

  CHECK(driver->lock().session_alive() == std::optional<bool>(false));
  const migrate::LockAttempt attempt = driver->lock().try_lock("next@test:2", k_ten_minutes);
  CHECK(attempt.acquired);
  REQUIRE(attempt.broken);
  CHECK(attempt.broken->holder == dead);
}

TEST_CASE("a live SQLite lock holder of this host is never taken over, however old its heartbeat",
          "[conformance][sqlite][lock]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  take_lock(*driver, "setup@test:1");
  driver->lock().unlock("setup@test:1");
  const std::string live = holder_on_this_host(::getpid());  // this test process: alive
  plant_lock_row(*database, live, k_now, k_long_ago);

  CHECK(driver->lock().session_alive() == std::optional<bool>(true));
  const migrate::LockAttempt attempt = driver->lock().try_lock("next@test:2", 1ms);
  CHECK_FALSE(attempt.acquired);
  REQUIRE(attempt.holder);
  CHECK(attempt.holder->holder == live);
}

TEST_CASE("a SQLite lock row older than the process with its pid is a reused pid: taken over",
          "[conformance][sqlite][lock]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  take_lock(*driver, "setup@test:1");
  driver->lock().unlock("setup@test:1");
  const std::string reused = holder_on_this_host(::getpid());  // this process started long after 2000
  plant_lock_row(*database, reused, k_long_ago, k_now);

  CHECK(driver->lock().session_alive() == std::optional<bool>(false));
  CHECK(driver->lock().try_lock("next@test:2", k_ten_minutes).acquired);
}

TEST_CASE("a SQLite lock holder on another host keeps the heartbeat rule", "[conformance][sqlite][lock]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  take_lock(*driver, "setup@test:1");
  driver->lock().unlock("setup@test:1");
  plant_lock_row(*database, "someone@another-host.invalid:1", k_now, k_now);

  CHECK_FALSE(driver->lock().session_alive().has_value());
  CHECK_FALSE(driver->lock().try_lock("next@test:2", k_ten_minutes).acquired);
  plant_lock_row(*database, "someone@another-host.invalid:1", k_long_ago, k_long_ago);
  CHECK(driver->lock().try_lock("next@test:2", k_ten_minutes).acquired);
}

TEST_CASE("a SQLite file write-locked by an application is named as such when the lock wait runs out",
          "[conformance][sqlite][lock]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  take_lock(*driver, "setup@test:1");
  driver->lock().unlock("setup@test:1");
  ForeignWriter writer(sqlite_path(*database));

  const migrate::LockAttempt attempt = driver->lock().try_lock("next@test:2", k_ten_minutes);
  CHECK_FALSE(attempt.acquired);
  CHECK_FALSE(attempt.holder);
  CHECK_THAT(attempt.blocked_by, Catch::Contains("write-locked by another connection"));

  migrate::run::LockPolicy policy;
  policy.holder = "next@test:2";
  policy.wait = 300ms;
  policy.poll_interval = 50ms;
  migrate::test::RecordingObserver observer;
  CHECK_THROWS_WITH(migrate::run::LockGuard(*driver, policy, "app", observer),
                    Catch::Contains("write-locked by another connection (an application?), not by a migrate runner"));
}

TEST_CASE("a SQLite revision waits up to the lock wait for an application's write lock, then fails as locked",
          "[conformance][sqlite][lock]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  take_lock(*driver);

  SECTION("released within the wait: the revision runs") {
    driver->lock().set_wait(60s);
    ForeignWriter writer(sqlite_path(*database));
    // Longer than SQLite's former fixed 5 s busy timeout.
    std::thread releaser([&writer] {
      std::this_thread::sleep_for(6s);
      writer.release();
    });
    CHECK_NOTHROW(driver->apply("CREATE TABLE t (id INTEGER);", make_row("app", 1, "t")));
    releaser.join();
    CHECK(database->history("app").size() == 1);
  }
  SECTION("held past the wait: LockHeld names the application, nothing applied") {
    driver->lock().set_wait(300ms);  // SQLite still waits its least, 5 s
    ForeignWriter writer(sqlite_path(*database));
    std::string message;
    try {
      driver->apply("CREATE TABLE t (id INTEGER);", make_row("app", 1, "t"));
    } catch (const migrate::LockHeld& e) {
      message = e.what();
    }
    CHECK_THAT(message, Catch::Contains("write-locked by another connection") && Catch::Contains("waited 5s"));
    writer.release();
    CHECK(database->history("app").empty());
  }
}
