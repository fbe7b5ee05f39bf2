// `--dry-run` prints the SQL and changes nothing, on both dialects.
#include <catch2/catch.hpp>

#include "cli/cli_fixtures.hpp"

using migrate::Dialect;
using namespace migrate::test;
using Tables = std::vector<std::string>;

TEST_CASE("up --dry-run on a fresh database prints the SQL and creates nothing", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  project.write("0002_seed.up.sql", "INSERT INTO alpha (id, note) VALUES (7, 'dry');\n");
  project.write("0002_seed.down.sql", "DELETE FROM alpha WHERE id = 7;\n");
  const DatabaseState before = capture(*db);
  if (dialect == Dialect::sqlite) REQUIRE_FALSE(before.exists);

  CliResult run = project.run({"up", "--dry-run"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK_THAT(run.out, Catch::Contains("CREATE TABLE alpha"));
  CHECK_THAT(run.out, Catch::Contains("0001_create_alpha.up.sql"));
  CHECK_THAT(run.out, Catch::Contains("INSERT INTO alpha (id, note) VALUES (7, 'dry');"));
  CHECK_THAT(run.out, Catch::Contains("0002_seed.up.sql"));
  CHECK(capture(*db) == before);

  run = project.run({"up", "app", "--dry-run", "--json"}, db.get());
  CHECK_EXIT(run, 0);
  const nlohmann::json document = parse_json(run);
  INFO(document.dump(2));
  CHECK(document["success"] == true);
  const nlohmann::json& planned = document["services"]["app"];
  REQUIRE(planned.is_array());
  REQUIRE(planned.size() == 2u);
  CHECK(planned[0]["version"] == "0001");
  CHECK_THAT(planned[0]["sql"].get<std::string>(), Catch::Contains("CREATE TABLE alpha"));
  CHECK(capture(*db) == before);

  // Reading commands do not create the database either.
  run = project.run({"status"}, db.get());
  CHECK_EXIT(run, 0);
  run = project.run({"history"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(capture(*db) == before);
  if (dialect == Dialect::sqlite) CHECK_FALSE(std::filesystem::exists(sqlite_file(*db)));
}

TEST_CASE("up --dry-run and down --dry-run on a partly migrated database print only what they would run",
          "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  REQUIRE_EXIT(project.run({"up", "app", "--to", "0001", "--yes"}, db.get()), 0);
  project.add_table(3, "gamma");
  const DatabaseState before = capture(*db);

  CliResult run = project.run({"up", "--dry-run"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK_THAT(run.out, Catch::Contains("CREATE TABLE beta"));
  CHECK_THAT(run.out, Catch::Contains("CREATE TABLE gamma"));
  CHECK_THAT(run.out, !Catch::Contains("CREATE TABLE alpha"));
  CHECK(capture(*db) == before);
  CHECK(lock_rows(*db) == 0);

  run = project.run({"down", "app", "--all", "--dry-run"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK_THAT(run.out, Catch::Contains("DROP TABLE alpha"));
  CHECK_THAT(run.out, !Catch::Contains("DROP TABLE beta"));
  CHECK(capture(*db) == before);
  CHECK(db->user_tables() == Tables{"alpha"});
}
