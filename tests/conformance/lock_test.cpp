// The migration lock: the driver's try_lock/heartbeat/unlock on two connections to one real
// database, dead-holder takeover per dialect, and run::LockGuard's polling and release.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <SQLiteCpp/SQLiteCpp.h>

#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>

#include "conformance/conformance_support.hpp"
#include "migrate/run/lock_guard.hpp"
#include "migrate/util/error.hpp"

using migrate::Dialect;
using migrate::db::Driver;
using migrate::LockAttempt;
using migrate::test::k_ten_minutes;
using migrate::test::make_row;
using migrate::test::make_test_database;
using migrate::test::open_test_driver;
using migrate::test::RecordingObserver;
using namespace std::chrono_literals;

namespace {

// The session advisory lock key every migrate runner takes on PostgreSQL ("migrate").
constexpr long long k_advisory_lock_key = 0x6d696772617465LL;

// Polls try_lock until it succeeds or patience runs out: a closed PostgreSQL connection's
// backend releases its session locks a moment after the client has gone.
LockAttempt try_lock_within(Driver& driver, const std::string& holder, std::chrono::milliseconds stale_after,
                            std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    LockAttempt attempt = driver.lock().try_lock(holder, stale_after);
    if (attempt.acquired || std::chrono::steady_clock::now() >= deadline) return attempt;
    std::this_thread::sleep_for(50ms);
  }
}

// A runner that took the lock the way migrate does and then crashed, seen from outside:
// a raw connection holding the advisory lock, with its row in migration_lock.
class RawPostgresHolder {
 public:
  RawPostgresHolder(const std::string& url, const std::string& holder) : m_conn(url) {
    pqxx::nontransaction tx(m_conn);
    REQUIRE(tx.exec1("SELECT pg_try_advisory_lock(" + std::to_string(k_advisory_lock_key) + ")")[0].as<bool>());
    tx.exec("DELETE FROM migration_lock");
    tx.exec("INSERT INTO migration_lock (lock_id, holder, acquired_at, heartbeat_at) VALUES (1, " +
            tx.quote(holder) + ", '2000-01-01 00:00:00', '2000-01-01 00:00:00')");
  }
  void crash() { m_conn.disconnect(); }

 private:
  pqxx::connection m_conn;
};

migrate::run::LockPolicy short_policy(const std::string& holder) {
  migrate::run::LockPolicy policy;
  policy.holder = holder;
  policy.wait = 300ms;
  policy.stale_after = k_ten_minutes;
  policy.poll_interval = 50ms;
  return policy;
}

}  // namespace

TEST_CASE("try_lock on an empty database creates the tables and takes the lock",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);

  const LockAttempt attempt = driver->lock().try_lock("first@host:1", k_ten_minutes);
  CHECK(attempt.acquired);
  CHECK_FALSE(attempt.broken);
  CHECK_FALSE(attempt.holder);

  CHECK(migrate::test::count_rows(*database, "schema_migrations") == 0);
  CHECK(database->scalar("SELECT holder FROM migration_lock") == "first@host:1");
  const auto lock = driver->lock().read();
  REQUIRE(lock);
  CHECK(lock->holder == "first@host:1");
  CHECK(migrate::test::is_iso8601_utc(lock->acquired_at));
  CHECK(migrate::test::is_iso8601_utc(lock->heartbeat_at));
  CHECK(std::abs(lock->heartbeat_age_seconds) < 60.0);
  CHECK(driver->history().read("svc").empty());

  driver->lock().unlock("first@host:1");
  CHECK_FALSE(driver->lock().read());
  CHECK(migrate::test::count_rows(*database, "migration_lock") == 0);
}

TEST_CASE("a second connection cannot take a held lock, sees the holder, and takes it after unlock",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto first = open_test_driver(*database);
  auto second = open_test_driver(*database);

  REQUIRE(first->lock().try_lock("first@host:1", k_ten_minutes).acquired);

  const LockAttempt refused = second->lock().try_lock("second@host:2", k_ten_minutes);
  CHECK_FALSE(refused.acquired);
  CHECK_FALSE(refused.broken);
  REQUIRE(refused.holder);
  CHECK(refused.holder->holder == "first@host:1");
  REQUIRE(second->lock().read());
  CHECK(second->lock().read()->holder == "first@host:1");
  // Refusing changed nothing.
  CHECK(database->scalar("SELECT holder FROM migration_lock") == "first@host:1");

  first->lock().unlock("first@host:1");
  const LockAttempt taken = second->lock().try_lock("second@host:2", k_ten_minutes);
  CHECK(taken.acquired);
  CHECK_FALSE(taken.broken);
  CHECK(database->scalar("SELECT holder FROM migration_lock") == "second@host:2");

  // And now the first is the one refused.
  const LockAttempt refused_again = first->lock().try_lock("first@host:1", k_ten_minutes);
  CHECK_FALSE(refused_again.acquired);
  REQUIRE(refused_again.holder);
  CHECK(refused_again.holder->holder == "second@host:2");
  second->lock().unlock("second@host:2");
}

TEST_CASE("unlock frees the lock even when its holder called try_lock twice",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto first = open_test_driver(*database);
  auto second = open_test_driver(*database);

  REQUIRE(first->lock().try_lock("first@host:1", k_ten_minutes).acquired);
  // A live holder's row is never "broken", not even by its own connection.
  const LockAttempt again = first->lock().try_lock("first@host:1", k_ten_minutes);
  CHECK_FALSE(again.broken);
  first->lock().unlock("first@host:1");

  const LockAttempt taken = second->lock().try_lock("second@host:2", k_ten_minutes);
  INFO("refused; holder row: " << (taken.holder ? taken.holder->holder : std::string("none")));
  CHECK(taken.acquired);
  second->lock().unlock("second@host:2");
}

TEST_CASE("a failed apply keeps the lock held", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto first = open_test_driver(*database);
  auto second = open_test_driver(*database);
  REQUIRE(first->lock().try_lock("first@host:1", k_ten_minutes).acquired);

  CHECK_THROWS_AS(first->apply("CREATE TABLE t (id INTEGER);\nSELECT * FROM missing_table;",
                               make_row("svc", 1, "broken")),
                  migrate::RevisionFailed);

  const LockAttempt refused = second->lock().try_lock("second@host:2", k_ten_minutes);
  CHECK_FALSE(refused.acquired);
  REQUIRE(refused.holder);
  CHECK(refused.holder->holder == "first@host:1");
  first->lock().unlock("first@host:1");
}

TEST_CASE("heartbeat refreshes heartbeat_at of the holder's row only", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  REQUIRE(driver->lock().try_lock("first@host:1", k_ten_minutes).acquired);
  database->exec(dialect == Dialect::postgres
                     ? "UPDATE migration_lock SET heartbeat_at = '2000-01-01 00:00:00'"
                     : "UPDATE migration_lock SET heartbeat_at = '2000-01-01T00:00:00.000Z'");
  const std::string acquired_at = driver->lock().read()->acquired_at;
  CHECK(driver->lock().read()->heartbeat_age_seconds > 3600.0 * 24 * 365);

  // A heartbeat for a holder the row does not name means that runner lost the lock.
  CHECK_THROWS_AS(driver->lock().heartbeat("someone-else@host:9"), migrate::LockHeld);
  CHECK(driver->lock().read()->heartbeat_age_seconds > 3600.0 * 24 * 365);

  driver->lock().heartbeat("first@host:1");
  const auto lock = driver->lock().read();
  REQUIRE(lock);
  CHECK(std::abs(lock->heartbeat_age_seconds) < 60.0);
  CHECK(lock->heartbeat_at.rfind("2000-", 0) != 0);
  CHECK(lock->acquired_at == acquired_at);
  CHECK(lock->holder == "first@host:1");
  driver->lock().unlock("first@host:1");
}

TEST_CASE("postgres: the lock of a runner whose connection died is taken over and reported broken",
          "[conformance][postgres]") {
  auto database = make_test_database(Dialect::postgres);
  auto driver = open_test_driver(*database);
  // Create the tables the way a runner does, then leave the lock free.
  REQUIRE(driver->lock().try_lock("setup@host:0", k_ten_minutes).acquired);
  driver->lock().unlock("setup@host:0");

  RawPostgresHolder crashed(database->url(), "crashed@host:77");

  // While its session lives, its lock holds: even an ancient heartbeat does not matter.
  const LockAttempt refused = driver->lock().try_lock("next@host:2", 1ms);
  CHECK_FALSE(refused.acquired);
  REQUIRE(refused.holder);
  CHECK(refused.holder->holder == "crashed@host:77");
  CHECK(database->scalar("SELECT holder FROM migration_lock") == "crashed@host:77");

  crashed.crash();
  const LockAttempt taken = try_lock_within(*driver, "next@host:2", k_ten_minutes, 5000ms);
  REQUIRE(taken.acquired);
  REQUIRE(taken.broken);
  CHECK(taken.broken->holder == "crashed@host:77");
  CHECK(database->scalar("SELECT holder FROM migration_lock") == "next@host:2");
  driver->lock().unlock("next@host:2");
}

TEST_CASE("postgres: destroying a driver without unlock frees its lock for takeover",
          "[conformance][postgres]") {
  auto database = make_test_database(Dialect::postgres);
  auto first = open_test_driver(*database);
  auto second = open_test_driver(*database);
  REQUIRE(first->lock().try_lock("first@host:1", k_ten_minutes).acquired);
  CHECK_FALSE(second->lock().try_lock("second@host:2", k_ten_minutes).acquired);

  first.reset();  // the connection closes; the row stays behind
  const LockAttempt taken = try_lock_within(*second, "second@host:2", k_ten_minutes, 5000ms);
  REQUIRE(taken.acquired);
  REQUIRE(taken.broken);
  CHECK(taken.broken->holder == "first@host:1");
  second->lock().unlock("second@host:2");
}

TEST_CASE("break_lock does nothing when the lock changed hands since it was shown",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto holder = open_test_driver(*database);
  auto breaker = open_test_driver(*database);
  REQUIRE(holder->lock().try_lock("newcomer@host:2", k_ten_minutes).acquired);
  // The operator confirmed breaking old@host:1's lock; newcomer@host:2 holds it now.
  CHECK_THROWS_AS(breaker->lock().break_lock("old@host:1"), migrate::LockHeld);
  CHECK(database->scalar("SELECT holder FROM migration_lock") == "newcomer@host:2");
  holder->lock().heartbeat("newcomer@host:2");  // still its lock, still alive

  const std::optional<migrate::LockInfo> broken = breaker->lock().break_lock("newcomer@host:2");
  REQUIRE(broken);
  CHECK(broken->holder == "newcomer@host:2");
  CHECK(migrate::test::count_rows(*database, "migration_lock") == 0);
}

TEST_CASE("postgres: breaking a live holder's lock lets a waiting runner in, and its row survives",
          "[conformance][postgres]") {
  auto database = make_test_database(Dialect::postgres);
  auto setup = open_test_driver(*database);
  REQUIRE(setup->lock().try_lock("setup@host:0", k_ten_minutes).acquired);
  setup->lock().unlock("setup@host:0");
  RawPostgresHolder stuck(database->url(), "stuck@host:7");

  // A runner is waiting for the lock while the operator breaks it.
  auto waiter = open_test_driver(*database);
  RecordingObserver observer;
  std::exception_ptr failure;
  std::thread waiting([&] {
    try {
      migrate::run::LockPolicy policy = short_policy("waiter@host:3");
      policy.wait = 10'000ms;
      migrate::run::LockGuard guard(*waiter, policy, "svc", observer);
      std::this_thread::sleep_for(300ms);  // holds it for a moment, then releases
    } catch (...) {
      failure = std::current_exception();
    }
  });
  std::this_thread::sleep_for(200ms);
  const auto broken = setup->lock().break_lock("stuck@host:7");
  REQUIRE(broken);
  CHECK(broken->holder == "stuck@host:7");
  // The waiter got in after the break and holds a row of its own.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::string now_held;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto rows = database->query("SELECT holder FROM migration_lock");
    if (!rows.empty()) {
      now_held = rows[0][0];
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  waiting.join();
  if (failure) std::rethrow_exception(failure);
  CHECK(now_held == "waiter@host:3");
}

TEST_CASE("sqlite: a row whose heartbeat is older than stale_after is taken over, a fresh one is not",
          "[conformance][sqlite]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  REQUIRE(driver->lock().try_lock("setup@host:0", k_ten_minutes).acquired);
  driver->lock().unlock("setup@host:0");

  // Five minutes old: fresh for a ten-minute lease, stale for a one-minute lease.
  database->exec(
      "INSERT INTO migration_lock (lock_id, holder, acquired_at, heartbeat_at) VALUES (1, 'quiet@host:5', "
      "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-6 minutes'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-5 minutes'))");
  const LockAttempt refused = driver->lock().try_lock("next@host:2", k_ten_minutes);
  CHECK_FALSE(refused.acquired);
  CHECK_FALSE(refused.broken);
  REQUIRE(refused.holder);
  CHECK(refused.holder->holder == "quiet@host:5");
  CHECK(refused.holder->heartbeat_age_seconds == Approx(300.0).margin(30.0));
  CHECK(database->scalar("SELECT holder FROM migration_lock") == "quiet@host:5");

  const LockAttempt taken = driver->lock().try_lock("next@host:2", 60'000ms);
  REQUIRE(taken.acquired);
  REQUIRE(taken.broken);
  CHECK(taken.broken->holder == "quiet@host:5");
  CHECK_FALSE(taken.holder);
  CHECK(database->scalar("SELECT holder FROM migration_lock") == "next@host:2");

  // A holder that keeps its heartbeat fresh is never taken over.
  auto other = open_test_driver(*database);
  driver->lock().heartbeat("next@host:2");
  const LockAttempt fresh = other->lock().try_lock("other@host:3", 60'000ms);
  CHECK_FALSE(fresh.acquired);
  REQUIRE(fresh.holder);
  CHECK(fresh.holder->holder == "next@host:2");
  driver->lock().unlock("next@host:2");
}

TEST_CASE("sqlite: a revision that runs longer than stale_after commits a fresh heartbeat with it",
          "[conformance][sqlite]") {
  auto database = make_test_database(Dialect::sqlite);
  auto driver = open_test_driver(*database);
  REQUIRE(driver->lock().try_lock("slow@host:1", 60'000ms).acquired);
  // The holder went quiet a minute ago, then ran one long revision: without a refresh in
  // the revision's own transaction, a waiter could take the lock over the moment it commits.
  database->exec("UPDATE migration_lock SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 minutes')");
  driver->apply("CREATE TABLE t (id INTEGER);", migrate::test::make_row("svc", 1, "create_t"));
  auto other = open_test_driver(*database);
  const LockAttempt waiter = other->lock().try_lock("waiter@host:2", 60'000ms);
  CHECK_FALSE(waiter.acquired);
  REQUIRE(waiter.holder);
  CHECK(waiter.holder->holder == "slow@host:1");
  CHECK(waiter.holder->heartbeat_age_seconds < 30);

  // The same for a statement run alone (no-transaction), refreshed right after it.
  database->exec("UPDATE migration_lock SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 minutes')");
  driver->execute_each("CREATE TABLE u (id INTEGER);", [] {});
  CHECK_FALSE(other->lock().try_lock("waiter@host:2", 60'000ms).acquired);

  // A runner whose lock was broken meanwhile stops: its next revision does not commit.
  database->exec("DELETE FROM migration_lock");
  CHECK_THROWS_AS(driver->apply("CREATE TABLE v (id INTEGER);", migrate::test::make_row("svc", 2, "create_v")),
                  migrate::LockHeld);
  CHECK(database->user_tables() == std::vector<std::string>{"t", "u"});
  CHECK_THROWS_AS(driver->lock().heartbeat("slow@host:1"), migrate::LockHeld);
  driver->lock().unlock("slow@host:1");
}

TEST_CASE("LockGuard polls, then throws LockHeld naming the holder", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto holder = open_test_driver(*database);
  auto waiter = open_test_driver(*database);
  REQUIRE(holder->lock().try_lock("holder@host:1", k_ten_minutes).acquired);

  RecordingObserver observer;
  const migrate::run::LockPolicy policy = short_policy("waiter@host:2");
  const auto started = std::chrono::steady_clock::now();
  try {
    migrate::run::LockGuard guard(*waiter, policy, "svc", observer);
    FAIL("LockGuard took a held lock");
  } catch (const migrate::LockHeld& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("holder@host:1") != std::string::npos);
    CHECK(std::string(e.what()).find("svc") != std::string::npos);
    CHECK(e.code() == migrate::ExitCode::lock_held);
  }
  CHECK(std::chrono::steady_clock::now() - started >= policy.wait);
  CHECK(observer.events == std::vector<std::string>{"lock_waiting svc holder@host:1"});
  // The waiter left the holder's lock alone.
  CHECK(database->scalar("SELECT holder FROM migration_lock") == "holder@host:1");
  holder->lock().unlock("holder@host:1");
}

TEST_CASE("LockGuard waits for a lock that is released while it polls", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto holder = open_test_driver(*database);
  auto waiter = open_test_driver(*database);
  REQUIRE(holder->lock().try_lock("holder@host:1", k_ten_minutes).acquired);

  std::thread releaser([&] {
    std::this_thread::sleep_for(200ms);
    holder->lock().unlock("holder@host:1");
  });
  RecordingObserver observer;
  migrate::run::LockPolicy policy = short_policy("waiter@host:2");
  policy.wait = 5000ms;
  {
    migrate::run::LockGuard guard(*waiter, policy, "svc", observer);
    releaser.join();
    CHECK(database->scalar("SELECT holder FROM migration_lock") == "waiter@host:2");
  }
  CHECK(observer.events == std::vector<std::string>{"lock_waiting svc holder@host:1"});
  CHECK_FALSE(waiter->lock().read());
}

TEST_CASE("LockGuard releases the lock on scope exit even when the body throws",
          "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto first = open_test_driver(*database);
  auto second = open_test_driver(*database);
  RecordingObserver observer;
  const migrate::run::LockPolicy policy = short_policy("guard@host:1");

  try {
    migrate::run::LockGuard guard(*first, policy, "svc", observer);
    CHECK(database->scalar("SELECT holder FROM migration_lock") == "guard@host:1");
    CHECK_FALSE(second->lock().try_lock("second@host:2", k_ten_minutes).acquired);
    throw std::runtime_error("the body failed");
  } catch (const std::runtime_error&) {
  }

  CHECK_FALSE(first->lock().read());
  const LockAttempt taken = second->lock().try_lock("second@host:2", k_ten_minutes);
  CHECK(taken.acquired);
  CHECK_FALSE(taken.broken);
  CHECK(observer.events.empty());
  second->lock().unlock("second@host:2");
}

TEST_CASE("LockGuard takes over a dead holder's lock and reports it", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  REQUIRE(driver->lock().try_lock("setup@host:0", k_ten_minutes).acquired);
  driver->lock().unlock("setup@host:0");

  // PostgreSQL: its session is gone. SQLite: its heartbeat is older than stale_after.
  if (dialect == Dialect::postgres) {
    RawPostgresHolder crashed(database->url(), "dead@host:66");
    crashed.crash();
  } else {
    database->exec(
        "INSERT INTO migration_lock (lock_id, holder, acquired_at, heartbeat_at) VALUES "
        "(1, 'dead@host:66', '2000-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000Z')");
  }

  RecordingObserver observer;
  migrate::run::LockPolicy policy = short_policy("guard@host:1");
  policy.wait = 5000ms;
  {
    migrate::run::LockGuard guard(*driver, policy, "svc", observer);
    CHECK(database->scalar("SELECT holder FROM migration_lock") == "guard@host:1");
  }
  REQUIRE_FALSE(observer.events.empty());
  CHECK(observer.events.back() == "lock_broken svc dead@host:66");
  CHECK_FALSE(driver->lock().read());
}

TEST_CASE("LockGuard releases the lock when the observer refuses a takeover", "[conformance][postgres][sqlite]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  auto other = open_test_driver(*database);
  REQUIRE(driver->lock().try_lock("setup@host:0", k_ten_minutes).acquired);
  driver->lock().unlock("setup@host:0");
  if (dialect == Dialect::postgres) {
    RawPostgresHolder crashed(database->url(), "dead@host:66");
    crashed.crash();
  } else {
    database->exec(
        "INSERT INTO migration_lock (lock_id, holder, acquired_at, heartbeat_at) VALUES "
        "(1, 'dead@host:66', '2000-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000Z')");
  }

  // An observer that cannot record the takeover (the audit log is full) aborts the run.
  class RefusingObserver final : public migrate::run::RunObserver {
   public:
    void lock_broken(const std::string&, const migrate::LockInfo&) override {
      throw std::runtime_error("cannot write the audit log");
    }
  } observer;
  migrate::run::LockPolicy policy = short_policy("guard@host:1");
  policy.wait = 5000ms;
  CHECK_THROWS_AS(migrate::run::LockGuard(*driver, policy, "svc", observer), std::runtime_error);

  // The aborted run does not keep the lock it had just taken.
  const auto lock = other->lock().read();
  INFO("lock row after the aborted run: " << (lock ? lock->holder : std::string("none")));
  CHECK_FALSE(lock);
  const LockAttempt taken = other->lock().try_lock("other@host:2", k_ten_minutes);
  CHECK(taken.acquired);
  other->lock().unlock("other@host:2");
}

TEST_CASE("sqlite: LockGuard keeps polling while another runner's revision holds the write lock",
          "[conformance][sqlite]") {
  auto database = make_test_database(Dialect::sqlite);
  auto runner = open_test_driver(*database);
  auto waiter = open_test_driver(*database);
  REQUIRE(runner->lock().try_lock("runner@host:1", k_ten_minutes).acquired);

  // The runner is inside a long revision: its transaction holds SQLite's write lock for
  // longer than the driver's busy timeout.
  const std::string file = database->url().substr(std::string("sqlite://").size());
  SQLite::Database revision(file, SQLite::OPEN_READWRITE);
  revision.exec("BEGIN IMMEDIATE");
  revision.exec("CREATE TABLE slow (id INTEGER)");
  std::thread finish([&] {
    std::this_thread::sleep_for(6500ms);
    revision.exec("COMMIT");
    runner->lock().unlock("runner@host:1");
  });

  RecordingObserver observer;
  migrate::run::LockPolicy policy = short_policy("waiter@host:2");
  policy.wait = 20'000ms;
  std::string failure;
  try {
    migrate::run::LockGuard guard(*waiter, policy, "svc", observer);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  finish.join();
  INFO("LockGuard failed with: " << failure);
  CHECK(failure.empty());
}
