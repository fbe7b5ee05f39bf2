// Backups know their database: retention and "newest" work per database, a file from
// another database is refused by restore, and a restore of a database that other services
// share names them and what each loses, and needs --reset-shared.
#include <catch2/catch.hpp>

#include "cli/cli_fixtures.hpp"

using migrate::Dialect;
using namespace migrate::test;

namespace {

std::string manifest_with(const std::string& services, int keep) {
  return "[defaults]\nkeep_backups = " + std::to_string(keep) + "\n" + services;
}

std::string service_table(const std::string& name, const std::string& url_env) {
  return "[services." + name + "]\nmigrations = \"services/" + name + "/migrations\"\ndatabase_url_env = \"" +
         url_env + "\"\n";
}

CliOptions with_url(const std::string& variable, const TestDatabase& db) {
  CliOptions options;
  options.env[variable] = db.url();
  return options;
}

}  // namespace

TEST_CASE("backups of a staging database never replace or prune the production database's", "[cli][backup]") {
  CliProject project(manifest_with(service_table("alpha", "ALPHA_URL"), 2));
  project.add_table(1, "users", "alpha");
  const auto prod = make_test_database(Dialect::sqlite);
  const auto staging = make_test_database(Dialect::sqlite);
  const CliOptions on_prod = with_url("ALPHA_URL", *prod);
  const CliOptions on_staging = with_url("ALPHA_URL", *staging);

  REQUIRE_EXIT(project.run({"up", "--yes"}, nullptr, on_prod), 0);
  const nlohmann::json prod_backup = parse_json(project.run({"backup", "--json"}, nullptr, on_prod));
  const std::string prod_file = prod_backup["backups"]["alpha"];
  REQUIRE(std::filesystem::exists(prod_file));
  REQUIRE(std::filesystem::exists(prod_file + ".json"));

  // Three staging backups with keep_backups = 2: production's backups stay.
  std::string staging_file;
  for (int i = 0; i < 3; ++i) {
    staging_file = parse_json(project.run({"backup", "--json"}, nullptr, on_staging))["backups"]["alpha"];
  }
  CHECK(std::filesystem::exists(prod_file));
  CHECK(std::filesystem::exists(staging_file));

  // "newest" is the newest of this database, not the staging file taken later.
  prod->exec("CREATE TABLE drifted (x INTEGER)");
  const CliResult restored = project.run({"restore", "alpha", "--yes", "--json"}, nullptr, on_prod);
  CHECK_EXIT(restored, 0);
  CHECK(parse_json(restored)["file"] == prod_file);
  CHECK(prod->user_tables() == std::vector<std::string>{"users"});

  // A staging file named explicitly is refused for production, which stays as it was.
  prod->exec("CREATE TABLE kept (x INTEGER)");
  const DatabaseState before = capture(*prod, "alpha");
  const CliResult refused = project.run({"restore", "alpha", staging_file, "--yes"}, nullptr, on_prod);
  CHECK_EXIT(refused, 2);
  CHECK_THAT(refused.err, Catch::Contains("was taken from") && Catch::Contains("--from-other-database"));
  CHECK(capture(*prod, "alpha") == before);
  CHECK_EXIT(project.run({"restore", "alpha", staging_file, "--yes", "--from-other-database"}, nullptr, on_prod), 0);
  CHECK_FALSE(capture(*prod, "alpha") == before);
}

TEST_CASE("a restore of a shared database names every service it resets and needs --reset-shared",
          "[cli][backup][postgres]") {
  for (const Dialect dialect : {Dialect::sqlite, Dialect::postgres}) {
    INFO("dialect " << migrate::to_string(dialect));
    // beta spells the same database's URL another way: it is the same database all the same.
    CliProject project(manifest_with(service_table("alpha", "APP_URL") + service_table("beta", "BETA_URL"), 5));
    project.add_table(1, "alpha_one", "alpha");
    project.add_table(1, "beta_one", "beta");
    project.add_table(2, "beta_two", "beta");
    const auto db = make_test_database(dialect);
    CliOptions options = with_url("APP_URL", *db);
    const std::string url = db->url();
    options.env["BETA_URL"] = dialect == Dialect::postgres
                                  ? url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=beta"
                                  : "sqlite://" + sqlite_file(*db).parent_path().string() + "/./" +
                                        sqlite_file(*db).filename().string();
    REQUIRE_EXIT(project.run({"up", "--yes"}, nullptr, options), 0);
    // One file for the shared database, found from either service.
    const std::string shared = parse_json(project.run({"backup", "--json"}, nullptr, options))["backups"]["alpha"];
    const nlohmann::json listed = parse_json(project.run({"backups", "beta", "--json"}, nullptr, options));
    REQUIRE(listed["backups"]["beta"].size() >= 1);
    CHECK(listed["backups"]["beta"][0]["file"] == shared);

    project.add_table(3, "beta_three", "beta");
    REQUIRE_EXIT(project.run({"up", "beta", "--yes"}, nullptr, options), 0);
    const DatabaseState alpha_before = capture(*db, "alpha");
    const DatabaseState beta_before = capture(*db, "beta");

    for (const char* service : {"alpha", "beta"}) {
      const CliResult refused = project.run({"restore", service, shared, "--yes"}, nullptr, options);
      CHECK_EXIT(refused, 2);
      CHECK_THAT(refused.err, Catch::Contains("also resets") && Catch::Contains("--reset-shared"));
      CHECK(capture(*db, "alpha") == alpha_before);
      CHECK(capture(*db, "beta") == beta_before);
    }
    const CliResult named = project.run({"restore", "alpha", shared, "--yes"}, nullptr, options);
    CHECK_THAT(named.err, Catch::Contains("beta (at 0003 now, 0002 in the backup: loses 0003)"));

    const CliResult restored =
        project.run({"restore", "alpha", shared, "--yes", "--reset-shared", "--json"}, nullptr, options);
    CHECK_EXIT(restored, 0);
    const nlohmann::json resets = parse_json(restored)["resets"];
    REQUIRE(resets.size() == 2);
    CHECK(resets[0]["service"] == "alpha");
    CHECK(resets[1]["service"] == "beta");
    CHECK(resets[1]["lost"] == nlohmann::json::array({"0003"}));
    CHECK(db->history("beta") == std::vector<std::string>{"1:create_beta_one", "2:create_beta_two"});
  }
}

TEST_CASE("small operator errors: lock <service>, down --to base, an empty backup file", "[cli]") {
  CliProject project;
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  const auto db = make_test_database(Dialect::sqlite);
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);

  const CliResult lock = project.run({"lock", "app", "--json"}, db.get());
  CHECK_EXIT(lock, 0);
  CHECK(parse_json(lock)["services"]["app"]["held"] == false);

  const std::filesystem::path empty = project.write("../empty.sqlite3", "");
  const DatabaseState before = capture(*db);
  const CliResult refused = project.run({"restore", "app", empty.string(), "--yes"}, db.get());
  CHECK_EXIT(refused, 2);
  CHECK_THAT(refused.err, Catch::Contains("is empty (0 bytes)"));
  CHECK(capture(*db) == before);

  const CliResult step = project.run({"down", "app", "--step", "0", "--yes"}, db.get());
  CHECK_EXIT(step, 2);
  CHECK(step.err.size() < 200);
  CHECK_THAT(step.err, Catch::Contains("--step must be a positive number"));

  CHECK_EXIT(project.run({"down", "app", "--to", "base", "--yes"}, db.get()), 0);
  CHECK(db->history("app").empty());
}
