// Bad revision folders, manifests and arguments: one clear message, exit 2, database untouched.
#include <catch2/catch.hpp>

#include <regex>

#include "cli/cli_fixtures.hpp"

using migrate::Dialect;
using namespace migrate::test;

namespace {

// core (no dependencies) and app (depends on core) share the database given on the
// command line; core comes first, so a lazy runner would touch the database before it
// reached a defect in app's folder.
const char* const k_two_services = R"toml(
[services.core]
migrations = "services/core/migrations"

[services.app]
migrations = "services/app/migrations"
depends_on = ["core"]
)toml";

// Exit 2, exactly one message on stderr holding every needle, nothing on stdout.
void check_rejected(const CliResult& run, const std::vector<std::string>& needles) {
  INFO(describe(run));
  CHECK(run.exit_code == 2);
  CHECK(lines_of(run.err).size() == 1u);
  for (const std::string& needle : needles) CHECK_THAT(run.err, Catch::Contains(needle));
  CHECK(run.out.empty());
}

}  // namespace

TEST_CASE("bad revision files are rejected with exit 2 before any database is touched", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  const bool migrated = GENERATE(false, true);
  INFO("dialect: " << migrate::to_string(dialect) << (migrated ? ", database at 0001" : ", fresh database"));
  const auto db = make_test_database(dialect);
  CliProject project(k_two_services);
  project.add_table(1, "core_one", "core");
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  if (migrated) {
    REQUIRE_EXIT(project.run({"up", "app", "--to", "0001", "--yes"}, db.get()), 0);
    REQUIRE_EXIT(project.run({"up", "core", "--yes"}, db.get()), 0);
  }
  // Pending work in the first service, which must not run either.
  project.add_table(2, "core_two", "core");

  std::vector<std::string> needles;
  SECTION("duplicate versions") {
    project.write("0002_other_beta.up.sql", "CREATE TABLE other_beta (id INTEGER);\n");
    needles = {"duplicate version 0002", "0002_other_beta", "0002_create_beta"};
  }
  SECTION("an unparsable file name") {
    project.write("0003-add-gamma.up.sql", "CREATE TABLE gamma (id INTEGER);\n");
    needles = {"0003-add-gamma.up.sql"};
  }
  SECTION("a file name with a capital extension") {
    project.write("0003_add_gamma.up.SQL", "CREATE TABLE gamma (id INTEGER);\n");
    needles = {"0003_add_gamma.up.SQL"};
  }
  SECTION("a .down.sql without its .up.sql") {
    project.write("0003_orphan.down.sql", "DROP TABLE gamma;\n");
    needles = {"0003_orphan.down.sql", ".up.sql"};
  }
  SECTION("the unchanged skeleton of migrate new") {
    project.write("0003_nothing.up.sql", "-- app 0003_nothing: write the change here.\n");
    project.write("0003_nothing.down.sql", "SELECT 1;\n");
    needles = {"0003_nothing.up.sql", "skeleton"};
  }
  SECTION("a COMMIT in a transactional revision") {
    project.write("0003_commit.up.sql", "CREATE TABLE gamma (id INTEGER);\nCOMMIT;\n");
    needles = {"0003_commit.up.sql:2:", "COMMIT", "migrate:no-transaction"};
  }
  const DatabaseState core_before = capture(*db, "core");
  const DatabaseState app_before = capture(*db, "app");
  if (dialect == Dialect::sqlite) CHECK(core_before.exists == migrated);

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"up", "--yes"}, std::vector<std::string>{"up", "app", "--yes"},
        std::vector<std::string>{"status"}, std::vector<std::string>{"down", "app", "--yes"},
        std::vector<std::string>{"verify"}}) {
    INFO("migrate " << args[0] << (args.size() > 1 ? " " + args[1] : std::string()));
    check_rejected(project.run(args, db.get()), needles);
    CHECK(capture(*db, "core") == core_before);
    CHECK(capture(*db, "app") == app_before);
  }
}

TEST_CASE("manifest errors and unknown services are rejected with exit 2 before any database is touched",
          "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project(k_two_services);
  project.add_table(1, "core_one", "core");
  project.add_table(1, "alpha");

  std::vector<std::string> needles;
  std::vector<std::string> args{"up", "--yes"};
  std::string config = project.config().string();
  SECTION("a dependency cycle") {
    project.set_manifest(R"toml([services.core]
migrations = "services/core/migrations"

[services.north]
migrations = "services/app/migrations"
depends_on = ["south"]

[services.south]
migrations = "services/app/migrations"
depends_on = ["west"]

[services.west]
migrations = "services/app/migrations"
depends_on = ["north"]
)toml");
    needles = {"cycle", "north", "south", "west", " -> "};
  }
  SECTION("depends_on names an unknown service") {
    project.set_manifest(R"toml([services.core]
migrations = "services/core/migrations"

[services.app]
migrations = "services/app/migrations"
depends_on = ["core", "ghost"]
)toml");
    needles = {"ghost"};
  }
  SECTION("malformed TOML reports line and column") {
    project.set_manifest("[services.core]\nmigrations = services/core/migrations\n");
    needles = {"migrate.toml:2:"};
  }
  SECTION("a missing manifest") {
    config = (project.dir() / "nowhere.toml").string();
    needles = {"nowhere.toml"};
  }
  SECTION("an unknown service on the command line: up") {
    args = {"up", "nosuch", "--yes"};
    needles = {"nosuch"};
  }
  SECTION("an unknown service on the command line: down") {
    args = {"down", "nosuch", "--all", "--yes"};
    needles = {"nosuch"};
  }
  SECTION("an unknown service on the command line: stamp") {
    args = {"stamp", "nosuch", "head"};
    needles = {"nosuch"};
  }
  SECTION("an unknown service on the command line: status") {
    args = {"status", "nosuch"};
    needles = {"nosuch"};
  }

  const DatabaseState before = capture(*db, "core");
  std::vector<std::string> full{"--config", config};
  full.insert(full.end(), args.begin(), args.end());
  full.push_back("--database-url");
  full.push_back(db->url());
  const CliResult run = run_migrate(full);
  check_rejected(run, needles);
  if (contains(needles.front(), "migrate.toml:2:")) {
    CHECK(std::regex_search(run.err, std::regex(R"(migrate\.toml:2:\d+)")));
  }
  CHECK(capture(*db, "core") == before);
  if (dialect == Dialect::sqlite) CHECK_FALSE(std::filesystem::exists(sqlite_file(*db)));
}

TEST_CASE("bad command-line arguments exit 2", "[cli]") {
  CliProject project;
  project.add_table(1, "alpha");
  TempDir scratch;
  const std::string url = "sqlite://" + (scratch.path() / "never.db").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"up", "--frobnicate"}, std::vector<std::string>{"fly"},
        std::vector<std::string>{},
        std::vector<std::string>{"up", "app", "--to", "abc", "--yes"},
        std::vector<std::string>{"down", "app", "--step", "0", "--yes"},
        std::vector<std::string>{"down", "app", "--step", "1", "--all", "--yes"}}) {
    std::vector<std::string> full = args;
    full.push_back("--database-url");
    full.push_back(url);
    const CliResult run = project.run(full);
    INFO("args:" << [&] {
      std::string joined;
      for (const std::string& arg : args) joined += " " + arg;
      return joined;
    }());
    CHECK_EXIT(run, 2);
  }
  CHECK_FALSE(std::filesystem::exists(scratch.path() / "never.db"));
}

TEST_CASE("up --to/--step and down need no service name when the manifest has one; with several, exit 2 names them",
          "[cli]") {
  CliProject project;
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  const auto db = make_test_database(Dialect::sqlite);
  CHECK_EXIT(project.run({"up", "--step", "1", "--yes"}, db.get()), 0);
  CHECK(db->history("app") == std::vector<std::string>{"1:create_alpha"});
  CHECK_EXIT(project.run({"up", "--to", "0002", "--yes"}, db.get()), 0);
  CHECK(db->history("app").size() == 2);
  CHECK_EXIT(project.run({"down", "--yes"}, db.get()), 0);
  CHECK(db->history("app") == std::vector<std::string>{"1:create_alpha"});

  project.set_manifest(single_service_manifest("app") + "\n[services.other]\nmigrations = \"services/app/migrations\"\n");
  for (const std::vector<std::string>& args : {std::vector<std::string>{"up", "--step", "1", "--yes"},
                                               std::vector<std::string>{"up", "--to", "2", "--dry-run"},
                                               std::vector<std::string>{"down", "--yes"}}) {
    INFO("migrate " << args[0] << " " << args[1]);
    const CliResult run = project.run(args, db.get());
    CHECK_EXIT(run, 2);
    CHECK_THAT(run.err, Catch::Contains("one of app, other"));
  }
  CHECK(db->history("app") == std::vector<std::string>{"1:create_alpha"});
}
