// SIGINT, SIGTERM and SIGKILL sent to a real migrate process during a slow revision or a
// backup: the statement in flight stops in the server, nothing of it commits, the lock is
// freed (or taken over after SIGKILL) and the audit log says what happened.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <pqxx/pqxx>
#include <thread>

#include "cli/cli_fixtures.hpp"

namespace migrate::test {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How long the PostgreSQL revision sleeps: long enough to be interrupted, short enough to
// wait for its would-be end.
constexpr auto k_sleep = 6s;

const std::string k_slow_postgres = "CREATE TABLE b (id int);\nSELECT pg_sleep(6);\n";
// Counting to 1e9 takes SQLite about a minute.
const std::string k_slow_sqlite =
    "CREATE TABLE b (id int);\n"
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c;\n";

template <typename Predicate>
bool eventually(Predicate&& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!predicate()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

// Sessions of migrate (by application_name) running a statement in db.
int runner_statements(TestDatabase& db) {
  return std::stoi(db.scalar(
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
      "AND application_name = 'migrate' AND state <> 'idle'"));
}

int advisory_locks(TestDatabase& db) {
  return std::stoi(db.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                             "(SELECT oid FROM pg_database WHERE datname = current_database())"));
}

std::vector<nlohmann::json> audit_lines(const CliProject& project) {
  std::ifstream in(project.dir() / "migration-audit.log");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

std::vector<std::string> up_arguments(const CliProject& project, const TestDatabase& db) {
  return {"--config", project.config().string(), "--database-url", db.url(), "up", "--yes", "--no-backup"};
}

// Starts `migrate up` on a slow revision 0001 and waits until its statement runs.
std::unique_ptr<ChildProcess> start_slow_up(const CliProject& project, TestDatabase& db) {
  project.write("0001_slow.up.sql", db.dialect() == Dialect::postgres ? k_slow_postgres : k_slow_sqlite);
  auto process = start_migrate(up_arguments(project, db));
  const bool running = eventually(
      [&] {
        if (db.dialect() == Dialect::postgres) {
          return std::stoi(db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND application_name = 'migrate' AND query LIKE '%pg_sleep%'")) > 0;
        }
        return contains(process->out(), "applying 1 revision");
      },
      10s);
  INFO(process->describe());
  REQUIRE(running);
  if (db.dialect() == Dialect::sqlite) std::this_thread::sleep_for(500ms);  // into the count
  return process;
}

void check_interrupted(Dialect dialect, int signal) {
  CliProject project;
  auto db = make_test_database(dialect);
  auto process = start_slow_up(project, *db);
  const auto signalled = Clock::now();
  REQUIRE(process->send_signal(signal));
  const int code = process->wait().exit_code;
  const auto exited = Clock::now() - signalled;
  INFO(process->describe());
  // (a) the documented exit code, at once.
  CHECK(code == 128 + signal);
  CHECK(exited < 3s);
  const std::string name = signal == SIGINT ? "SIGINT" : "SIGTERM";
  CHECK(contains(process->err(), "interrupted by " + name));
  CHECK(contains(process->err(), "0001_slow was cancelled and rolled back; it is not applied"));
  CHECK(contains(process->err(), "nothing had been applied before it"));
  if (dialect == Dialect::postgres) {
    // (b) nothing of the runner still runs in the server.
    std::this_thread::sleep_until(signalled + 4s);
    CHECK(runner_statements(*db) == 0);
    // (c) past the statement's would-be end, nothing of it committed.
    std::this_thread::sleep_until(signalled + k_sleep);
    CHECK(advisory_locks(*db) == 0);
  }
  CHECK(db->history("app").empty());
  CHECK(db->user_tables().empty());
  // (d) the lock is free.
  CHECK(lock_rows(*db) == 0);
  // (e) the audit log has the interrupted line, and no plain failure.
  const std::vector<nlohmann::json> lines = audit_lines(project);
  int interrupted = 0;
  for (const nlohmann::json& line : lines) {
    INFO(line.dump());
    CHECK(line["event"] != "apply");
    if (line["event"] != "interrupted") continue;
    ++interrupted;
    CHECK(line["service"] == "app");
    CHECK(line["version"] == "0001");
    CHECK(line["ok"] == false);
    CHECK(line["error"] == "interrupted by " + name);
    CHECK(line["duration_ms"].is_number());
  }
  CHECK(interrupted == 1);
  // The next run applies it (a quick version of it).
  project.write("0001_slow.up.sql", "CREATE TABLE b (id int);\n");
  CHECK_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);
  CHECK(db->history("app") == std::vector<std::string>{"1:slow"});
}

void check_killed(Dialect dialect) {
  // SQLite knows a dead holder by its heartbeat only: let it go stale quickly.
  const CliProject project(dialect == Dialect::sqlite
                               ? "[defaults]\nlock_stale_after = \"1s\"\n\n" + single_service_manifest()
                               : single_service_manifest());
  auto db = make_test_database(dialect);
  auto process = start_slow_up(project, *db);
  const auto signalled = Clock::now();
  process->kill();
  CHECK(process->wait().exit_code == 128 + SIGKILL);
  if (dialect == Dialect::postgres) {
    // (b) client_connection_check_interval: the server sees the client gone and stops.
    std::this_thread::sleep_until(signalled + 4s);
    CHECK(runner_statements(*db) == 0);
    std::this_thread::sleep_until(signalled + k_sleep);
  } else {
    std::this_thread::sleep_for(1500ms);  // past lock_stale_after
  }
  // (c) nothing of it committed.
  CHECK(db->history("app").empty());
  CHECK(db->user_tables().empty());
  // (d) the next run takes the dead runner's lock over.
  CHECK(lock_rows(*db) == 1);
  project.write("0001_slow.up.sql", "CREATE TABLE b (id int);\n");
  const CliResult next = project.run({"up", "--yes", "--no-backup"}, db.get());
  CHECK_EXIT(next, 0);
  CHECK(contains(next.err, "took over the migration lock"));
  CHECK(db->history("app") == std::vector<std::string>{"1:slow"});
  CHECK(lock_rows(*db) == 0);
}

}  // namespace

TEST_CASE("SIGINT during a slow PostgreSQL revision cancels it in the server and exits 130", "[interrupt][postgres]") {
  check_interrupted(Dialect::postgres, SIGINT);
}

TEST_CASE("SIGTERM during a slow PostgreSQL revision cancels it in the server and exits 143", "[interrupt][postgres]") {
  check_interrupted(Dialect::postgres, SIGTERM);
}

TEST_CASE("SIGKILL during a slow PostgreSQL revision: the server stops it and the next run takes the lock over",
          "[interrupt][postgres]") {
  check_killed(Dialect::postgres);
}

TEST_CASE("SIGINT during a slow SQLite revision interrupts it and exits 130", "[interrupt][sqlite]") {
  check_interrupted(Dialect::sqlite, SIGINT);
}

TEST_CASE("SIGTERM during a slow SQLite revision interrupts it and exits 143", "[interrupt][sqlite]") {
  check_interrupted(Dialect::sqlite, SIGTERM);
}

TEST_CASE("SIGKILL during a slow SQLite revision: nothing commits and the next run takes the stale lock over",
          "[interrupt][sqlite]") {
  check_killed(Dialect::sqlite);
}

TEST_CASE("A second SIGINT exits at once, and the statement is still cancelled in the server",
          "[interrupt][postgres]") {
  CliProject project;
  auto db = make_test_database(Dialect::postgres);
  auto process = start_slow_up(project, *db);
  const auto signalled = Clock::now();
  REQUIRE(process->send_signal(SIGINT));
  REQUIRE(process->send_signal(SIGINT));
  CHECK(process->wait().exit_code == 130);
  CHECK(Clock::now() - signalled < 3s);
  std::this_thread::sleep_until(signalled + 4s);
  CHECK(runner_statements(*db) == 0);
  std::this_thread::sleep_until(signalled + k_sleep);
  CHECK(db->history("app").empty());
  CHECK(db->user_tables().empty());
  CHECK(advisory_locks(*db) == 0);
}

TEST_CASE("An interrupt names the revisions that committed before it", "[interrupt][sqlite]") {
  CliProject project;
  auto db = make_test_database(Dialect::sqlite);
  project.write("0001_quick.up.sql", "CREATE TABLE a (id int);\n");
  project.write("0002_slow.up.sql", k_slow_sqlite);
  ChildProcess process(migrate_command(up_arguments(project, *db)));
  REQUIRE(eventually([&] { return contains(process.out(), "applied     app 0001_quick"); }, 10s));
  std::this_thread::sleep_for(500ms);
  REQUIRE(process.send_signal(SIGTERM));
  CHECK(process.wait().exit_code == 143);
  INFO(process.describe());
  CHECK(contains(process.err(), "revision 0002_slow was cancelled and rolled back; it is not applied; "
                                "applied before it (committed): 0001_quick"));
  CHECK(db->history("app") == std::vector<std::string>{"1:quick"});
  CHECK(db->user_tables() == std::vector<std::string>{"a"});
  CHECK(lock_rows(*db) == 0);
}

TEST_CASE("SIGINT during a slow down revision leaves it applied", "[interrupt][sqlite]") {
  CliProject project;
  auto db = make_test_database(Dialect::sqlite);
  project.write("0001_slow.up.sql", "CREATE TABLE b (id int);\n");
  project.write("0001_slow.down.sql", "DROP TABLE b;\n" + k_slow_sqlite.substr(k_slow_sqlite.find("WITH")));
  REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);
  ChildProcess process(migrate_command(
      {"--config", project.config().string(), "--database-url", db->url(), "down", "app", "--yes", "--no-backup"}));
  REQUIRE(eventually([&] { return contains(process.out(), "rolling back 1 revision"); }, 10s));
  std::this_thread::sleep_for(500ms);
  REQUIRE(process.send_signal(SIGINT));
  CHECK(process.wait().exit_code == 130);
  INFO(process.describe());
  CHECK(contains(process.err(), "revision 0001_slow (down) was cancelled and rolled back; it stays applied; "
                                "nothing had been rolled back before it"));
  CHECK(db->history("app") == std::vector<std::string>{"1:slow"});
  CHECK(db->user_tables() == std::vector<std::string>{"b"});
  CHECK(lock_rows(*db) == 0);
}

TEST_CASE("SIGINT while waiting for another runner's lock stops the wait at once", "[interrupt][sqlite]") {
  CliProject project;
  auto db = make_test_database(Dialect::sqlite);
  project.add_table(1, "a");
  REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);
  project.add_table(2, "b");
  db->exec("INSERT INTO migration_lock (lock_id, holder) VALUES (1, 'someone@elsewhere:1')");
  ChildProcess process(migrate_command(
      {"--config", project.config().string(), "--database-url", db->url(), "--lock-wait", "60s", "up", "--yes",
       "--no-backup"}));
  REQUIRE(eventually([&] { return contains(process.err(), "waiting for the migration lock"); }, 10s));
  const auto signalled = Clock::now();
  REQUIRE(process.send_signal(SIGINT));
  CHECK(process.wait().exit_code == 130);
  CHECK(Clock::now() - signalled < 3s);
  INFO(process.describe());
  CHECK(contains(process.err(), "interrupted by SIGINT while waiting for the migration lock of service 'app' "
                                "(held by someone@elsewhere:1); nothing was changed"));
  CHECK(db->history("app") == std::vector<std::string>{"1:create_a"});
  CHECK(db->scalar("SELECT holder FROM migration_lock") == "someone@elsewhere:1");
}

TEST_CASE("SIGINT during a no-transaction revision leaves it dirty and says so", "[interrupt][postgres]") {
  CliProject project;
  auto db = make_test_database(Dialect::postgres);
  project.write("0001_slow.up.sql", "-- migrate:no-transaction\nCREATE TABLE b (id int);\nSELECT pg_sleep(6);\n");
  ChildProcess process(migrate_command(up_arguments(project, *db)));
  REQUIRE(eventually(
      [&] {
        return std::stoi(db->scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND application_name = 'migrate' AND query LIKE '%pg_sleep%'")) > 0;
      },
      10s));
  const auto signalled = Clock::now();
  REQUIRE(process.send_signal(SIGINT));
  CHECK(process.wait().exit_code == 130);
  CHECK(Clock::now() - signalled < 3s);
  INFO(process.describe());
  CHECK(contains(process.err(), "0001_slow ran outside a transaction and was stopped partway, so it is left dirty"));
  CHECK(contains(process.err(), "migrate repair app"));
  CHECK(db->scalar("SELECT dirty FROM schema_migrations WHERE version = 1") == "t");
  CHECK(runner_statements(*db) == 0);
  CHECK(lock_rows(*db) == 0);
}

TEST_CASE("SIGINT during a pg_dump backup stops pg_dump and leaves no backup file", "[interrupt][postgres]") {
  CliProject project;
  auto db = make_test_database(Dialect::postgres);
  db->exec("CREATE TABLE held (id int)");
  project.write("0001_quick.up.sql", "CREATE TABLE b (id int);\n");
  // pg_dump waits for this lock, so the backup is still running when the signal comes.
  pqxx::connection holder(db->url());
  pqxx::work hold(holder);
  hold.exec("LOCK TABLE held IN ACCESS EXCLUSIVE MODE");
  ChildProcess process(migrate_command(
      {"--config", project.config().string(), "--database-url", db->url(), "up", "--yes"}));
  REQUIRE(eventually(
      [&] {
        return std::stoi(db->scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND wait_event_type = 'Lock' AND application_name = 'migrate'")) > 0;
      },
      10s));
  const auto signalled = Clock::now();
  REQUIRE(process.send_signal(SIGINT));
  const int code = process.wait().exit_code;
  INFO(process.describe());
  CHECK(code == 130);
  CHECK(Clock::now() - signalled < 4s);
  CHECK(contains(process.err(), "during the backup"));
  hold.abort();
  // No backup and no partial file is left behind.
  std::vector<std::string> left;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(project.dir() / "migration-backups", ec)) {
    left.push_back(entry.path().filename().string());
  }
  CHECK(left.empty());
  CHECK(db->user_tables() == std::vector<std::string>{"held"});
  CHECK(db->history("app").empty());
  CHECK(lock_rows(*db) == 0);
  // pg_dump is gone from the server too.
  CHECK(eventually([&] { return runner_statements(*db) == 0; }, 4s));
}

TEST_CASE("SIGINT during a restore stops psql before its transaction commits", "[interrupt][postgres]") {
  CliProject project;
  auto db = make_test_database(Dialect::postgres);
  db->exec("CREATE TABLE keep (id int)");
  project.add_table(1, "a");  // a service needs revisions
  const std::filesystem::path file = project.dir() / "slow.sql";
  std::ofstream(file) << "CREATE TABLE restored (id int);\nSELECT pg_sleep(6);\n";
  ChildProcess process(migrate_command({"--config", project.config().string(), "--database-url", db->url(), "restore",
                                      "app", file.string(), "--yes", "--no-backup"}));
  const bool running = eventually(
      [&] {
        return std::stoi(db->scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND application_name = 'migrate' AND query LIKE '%pg_sleep%'")) > 0;
      },
      10s);
  if (!running) {
    process.kill();
    process.wait();
  }
  INFO(process.describe());
  REQUIRE(running);
  const auto signalled = Clock::now();
  REQUIRE(process.send_signal(SIGINT));
  CHECK(process.wait().exit_code == 130);
  CHECK(Clock::now() - signalled < 4s);
  CHECK(contains(process.err(), "during the restore"));
  CHECK(lock_rows(*db) == 0);
  // Past the statement's would-be end, the restore's transaction has not committed.
  std::this_thread::sleep_until(signalled + k_sleep + 1s);
  CHECK(db->user_tables() == std::vector<std::string>{"keep"});
}

TEST_CASE("A runner whose backend is terminated says the server closed the connection, and why",
          "[interrupt][postgres]") {
  CliProject project;
  auto db = make_test_database(Dialect::postgres);
  auto process = start_slow_up(project, *db);
  db->exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
           "AND application_name = 'migrate' AND query LIKE '%pg_sleep%'");
  const int code = process->wait().exit_code;
  INFO(process->describe());
  CHECK(code == 5);
  CHECK(contains(process->err(), "the server closed the connection"));
  CHECK(contains(process->err(), "terminating connection due to administrator command"));
  CHECK_FALSE(contains(process->err(), "client encoding"));
  CHECK(db->history("app").empty());
  CHECK(db->user_tables().empty());
}

}  // namespace migrate::test
