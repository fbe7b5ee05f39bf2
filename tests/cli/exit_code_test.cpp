// Exit codes 5 (database unreachable) and 3 (lock held), and lock takeover.
#include <catch2/catch.hpp>

#include "cli/cli_fixtures.hpp"

using migrate::Dialect;
using namespace migrate::test;
using Tables = std::vector<std::string>;

namespace {

const char* const k_password = "Sup3r-Secret_pw";
// "migrate" in ASCII: the advisory lock key every runner takes (DESIGN.md, migration_lock).
const char* const k_advisory_key = "x'6d696772617465'::bigint";

}  // namespace

TEST_CASE("an unreachable PostgreSQL server exits 5 and the password never shows", "[cli]") {
  CliProject project;
  project.add_table(1, "alpha");
  const std::vector<std::string> urls{
      std::string("postgresql://migrator:") + k_password + "@127.0.0.1:1/appdb",
      std::string("postgres://migrator:") + k_password + "@127.0.0.1:1/appdb?sslmode=disable",
      std::string("host=127.0.0.1 port=1 user=migrator password=") + k_password + " dbname=appdb"};
  const std::vector<std::vector<std::string>> commands{
      {"up", "--yes"},      {"up", "--dry-run"}, {"status"},        {"status", "--json"},
      {"verify"},           {"history"},         {"current"},       {"down", "app", "--yes"},
      {"stamp", "app", "head"}, {"up", "--yes", "--json"}};
  for (const std::string& url : urls) {
    for (const std::vector<std::string>& args : commands) {
      INFO("url form " << url.substr(0, 8) << "; migrate " << args[0] << " " << (args.size() > 1 ? args[1] : ""));
      std::vector<std::string> full = args;
      full.push_back("--database-url");
      full.push_back(url);
      const CliResult run = project.run(full);
      CHECK_EXIT(run, 5);
      CHECK_THAT(run.out, !Catch::Contains(k_password));
      CHECK_THAT(run.err, !Catch::Contains(k_password));
      CHECK_FALSE((run.out + run.err).empty());
    }
  }

  // The same through the environment: DATABASE_URL and the service's own variable.
  project.set_manifest(
      "[services.app]\nmigrations = \"services/app/migrations\"\ndatabase_url_env = \"APP_DATABASE_URL\"\n");
  for (const char* variable : {"DATABASE_URL", "APP_DATABASE_URL"}) {
    INFO("URL from " << variable);
    CliOptions options;
    options.env[variable] = urls.front();
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"up", "--yes"}, std::vector<std::string>{"status", "--json"}}) {
      const CliResult run = project.run(args, nullptr, options);
      CHECK_EXIT(run, 5);
      CHECK_THAT(run.out, !Catch::Contains(k_password));
      CHECK_THAT(run.err, !Catch::Contains(k_password));
    }
  }
}

TEST_CASE("a SQLite database that cannot be opened exits 5", "[cli]") {
  CliProject project;
  project.add_table(1, "alpha");
  // The database's folder is a regular file: SQLite cannot create anything under it.
  const auto blocker = std::filesystem::weakly_canonical(project.write("../blocker", "not a folder\n"));
  REQUIRE(std::filesystem::is_regular_file(blocker));
  const CliResult run = project.run({"up", "--yes", "--database-url", "sqlite://" + (blocker / "app.db").string()});
  CHECK_EXIT(run, 5);
  CHECK_FALSE(run.err.empty());
}

TEST_CASE("a lock held by another live runner makes up, down and stamp exit 3 naming the holder", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  project.add_table(2, "beta");

  const std::string holder = "deployer@other-host:4242";
  db->exec("INSERT INTO migration_lock (lock_id, holder) VALUES (1, '" + holder + "')");
  if (dialect == Dialect::postgres) {
    // A live holder: this test's own session holds the advisory lock.
    REQUIRE(db->scalar(std::string("SELECT pg_try_advisory_lock(") + k_advisory_key + ")") == "t");
  }
  const DatabaseState before = capture(*db);

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"up", "--yes"}, std::vector<std::string>{"up", "app", "--yes"},
        std::vector<std::string>{"down", "app", "--yes"}, std::vector<std::string>{"stamp", "app", "head"}}) {
    INFO("migrate " << args[0] << " " << args[1]);
    std::vector<std::string> full = args;
    full.push_back("--lock-wait");
    full.push_back("0s");
    const CliResult run = project.run(full, db.get());
    CHECK_EXIT(run, 3);
    CHECK_THAT(run.err, Catch::Contains(holder));
    CHECK(capture(*db) == before);
    CHECK(db->scalar("SELECT holder FROM migration_lock") == holder);
  }

  const CliResult st = project.run({"status", "--json"}, db.get());
  CHECK_EXIT(st, 0);
  CHECK(parse_json(st)["services"]["app"]["lock_holder"] == holder);

  // Released, the next run goes ahead.
  if (dialect == Dialect::postgres) {
    REQUIRE(db->scalar(std::string("SELECT pg_advisory_unlock(") + k_advisory_key + ")") == "t");
  }
  db->exec("DELETE FROM migration_lock");
  const CliResult up = project.run({"up", "--yes", "--lock-wait", "0s"}, db.get());
  CHECK_EXIT(up, 0);
  CHECK(db->user_tables() == Tables{"alpha", "beta"});
  CHECK(lock_rows(*db) == 0);
}

TEST_CASE("a lock row left by a dead runner is taken over", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  project.add_table(2, "beta");

  const std::string holder = "crashed@other-host:77";
  if (dialect == Dialect::postgres) {
    // No session holds the advisory lock: the holder is known dead at once.
    db->exec("INSERT INTO migration_lock (lock_id, holder) VALUES (1, '" + holder + "')");
  } else {
    // Heartbeat older than lock_stale_after (10min by default).
    db->exec("INSERT INTO migration_lock (lock_id, holder, acquired_at, heartbeat_at) VALUES (1, '" + holder +
             "', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 hours'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hours'))");
  }
  const CliResult up = project.run({"up", "--yes", "--lock-wait", "0s"}, db.get());
  CHECK_EXIT(up, 0);
  CHECK_THAT(up.err, Catch::Contains(holder));
  CHECK(db->user_tables() == Tables{"alpha", "beta"});
  CHECK(lock_rows(*db) == 0);
}
