// Running behind a transaction-pooling PgBouncer (the one deployment/test.sh starts in
// front of the test cluster): concurrent runners on a fresh database each see the lock and
// the bookkeeping tables made once, every revision runs once, no session state is left in
// the pool, and a lock row taken through the pooler is judged by its holder, not a session.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "cli/cli_fixtures.hpp"
#include "migrate/util/system.hpp"

namespace migrate::test {

namespace {

// Each revision records that it ran in `runs`; the first creates it, so running it twice
// fails, and a later one running twice leaves a duplicate row.
void add_counted_revisions(const CliProject& project) {
  project.add("app", 1, "runs", "CREATE TABLE runs (version int PRIMARY KEY);\nINSERT INTO runs VALUES (1);\n");
  for (int version = 2; version <= 4; ++version) {
    project.add("app", version, "step_" + std::to_string(version),
                "CREATE TABLE t" + std::to_string(version) + " (id int);\nINSERT INTO runs VALUES (" +
                    std::to_string(version) + ");\nSELECT pg_sleep(0.2);\n");
  }
}

int advisory_locks(TestDatabase& db) {
  return std::stoi(db.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                             "(SELECT oid FROM pg_database WHERE datname = current_database())"));
}

// The pid of a process that has exited.
std::string gone_pid() {
  pid_t pid = 0;
  {
    ChildProcess child({"/bin/true"});
    pid = child.pid();
    child.wait();
  }
  REQUIRE(::kill(pid, 0) != 0);
  return std::to_string(pid);
}

}  // namespace

TEST_CASE("four runners started at once through a transaction pooler on a fresh database all succeed, each "
          "revision runs once, and the next deploy is not blocked",
          "[cli][postgres][pooler]") {
  auto db = make_test_database(Dialect::postgres);
  const std::string pooled = through_pooler(*db);
  CliProject project;
  add_counted_revisions(project);

  StartGate gate;
  CliOptions options;
  options.gate = &gate;
  std::vector<std::unique_ptr<ChildProcess>> runners;
  for (int i = 0; i < 4; ++i) {
    runners.push_back(project.start({"up", "--yes", "--no-backup", "--lock-wait", "60s", "--database-url", pooled},
                                    nullptr, options));
  }
  gate.open();
  for (auto& runner : runners) {
    const CliResult result = runner->wait();
    CHECK_EXIT(result, 0);
    check_no_password(result, pooled);
    CHECK(contains(result.err, "connection pooler"));
  }
  CHECK(db->history("app").size() == 4);
  CHECK(db->scalar("SELECT count(*) || ':' || count(DISTINCT version) FROM runs") == "4:4");

  // The next deploy, right after: nothing is left held in a pooled server session.
  CHECK(advisory_locks(*db) == 0);
  CHECK(lock_rows(*db) == 0);
  const CliResult next = project.run({"up", "--yes", "--no-backup", "--lock-wait", "2s", "--database-url", pooled});
  CHECK_EXIT(next, 0);
  CHECK(contains(next.out, "up to date"));
  const CliResult direct = project.run({"up", "--yes", "--no-backup", "--lock-wait", "2s"}, db.get());
  CHECK_EXIT(direct, 0);
}

TEST_CASE("`pooled = true` in the manifest says so: no warning, the same lock", "[cli][postgres][pooler]") {
  auto db = make_test_database(Dialect::postgres);
  CliProject project(manifest_with_defaults("[services.app]\nmigrations = \"services/app/migrations\"\n"
                                            "database_url_env = \"APP_URL\"\npooled = true\n"));
  add_counted_revisions(project);
  CliOptions options;
  options.env["APP_URL"] = through_pooler(*db);
  const CliResult up = project.run({"up", "--yes", "--no-backup"}, options);
  CHECK_EXIT(up, 0);
  CHECK_FALSE(contains(up.err, "connection pooler"));
  CHECK(db->history("app").size() == 4);

  SECTION("and the setting must be a boolean") {
    project.set_manifest(manifest_with_defaults("[services.app]\nmigrations = \"services/app/migrations\"\n"
                                                "pooled = \"yes\"\n"));
    const CliResult refused = project.run({"status"}, options);
    CHECK_EXIT(refused, 2);
    CHECK(contains(refused.err, "'pooled' must be true or false"));
  }
}

TEST_CASE("a lock row taken through a pooler is kept while its holder lives and taken over once it is gone",
          "[cli][postgres][pooler]") {
  auto db = make_test_database(Dialect::postgres);
  const std::string pooled = through_pooler(*db);
  CliProject project;
  add_counted_revisions(project);
  // Creates the bookkeeping tables, applies nothing.
  REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup", "--to", "1", "--database-url", pooled}), 0);

  SECTION("a live holder on this host: both a pooled and a direct runner wait, then give up") {
    const std::string holder = "pooled " + util::user_at_host() + ":" + std::to_string(::getpid());
    db->exec("INSERT INTO migration_lock (lock_id, holder) VALUES (1, '" + holder + "')");
    const CliResult through = project.run({"up", "--yes", "--no-backup", "--lock-wait", "1s", "--database-url", pooled});
    CHECK_EXIT(through, 3);
    CHECK(contains(through.err, holder));
    const CliResult direct = project.run({"up", "--yes", "--no-backup", "--lock-wait", "1s"}, db.get());
    CHECK_EXIT(direct, 3);
    CHECK(contains(direct.err, holder));
    CHECK(db->history("app").size() == 1);
  }
  SECTION("a holder on this host whose process is gone is taken over at once") {
    db->exec("INSERT INTO migration_lock (lock_id, holder) VALUES (1, 'pooled " + util::user_at_host() + ":" +
             gone_pid() + "')");
    const CliResult up = project.run({"up", "--yes", "--no-backup", "--lock-wait", "1s", "--database-url", pooled});
    CHECK_EXIT(up, 0);
    CHECK(contains(up.err, "took over the migration lock"));
    CHECK(db->history("app").size() == 4);
  }
  SECTION("a holder elsewhere is taken over once its heartbeat is older than lock_stale_after") {
    db->exec("INSERT INTO migration_lock (lock_id, holder, heartbeat_at) VALUES (1, 'pooled ci@elsewhere:42', "
             "(now() AT TIME ZONE 'utc') - interval '11 minutes')");
    const CliResult up = project.run({"up", "--yes", "--no-backup", "--lock-wait", "1s", "--database-url", pooled});
    CHECK_EXIT(up, 0);
    CHECK(db->history("app").size() == 4);
  }
  SECTION("while a runner on a direct connection holds its session lock, a pooled runner waits") {
    db->exec("INSERT INTO migration_lock (lock_id, holder) VALUES (1, 'ci@elsewhere:42')");
    auto holder = std::make_unique<pqxx::connection>(db->url());
    pqxx::nontransaction(*holder).exec("SELECT pg_advisory_lock(" + std::to_string(0x6d696772617465LL) + ")");
    const CliResult up = project.run({"up", "--yes", "--no-backup", "--lock-wait", "1s", "--database-url", pooled});
    CHECK_EXIT(up, 3);
    CHECK(contains(up.err, "ci@elsewhere:42"));
    holder.reset();  // its session ends: the row is a dead runner's
    const CliResult after = project.run({"up", "--yes", "--no-backup", "--lock-wait", "5s", "--database-url", pooled});
    CHECK_EXIT(after, 0);
    CHECK(db->history("app").size() == 4);
  }
  CHECK(advisory_locks(*db) == 0);
}

}  // namespace migrate::test
