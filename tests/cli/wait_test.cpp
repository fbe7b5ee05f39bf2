// `migrate wait`: returns once the database answers, exits 5 after the timeout otherwise.
#include <catch2/catch.hpp>

#include "cli/cli_fixtures.hpp"

using namespace migrate::test;

TEST_CASE("wait returns at once when every database answers", "[cli]") {
  const auto dialect = GENERATE(migrate::Dialect::postgres, migrate::Dialect::sqlite);
  auto db = make_test_database(dialect);
  TempDir project;
  project.write("migrate.toml", single_service_manifest());
  project.write("services/app/migrations/0001_one.up.sql", "CREATE TABLE one (id INTEGER);\n");

  const CliResult result = run_migrate({"--config", (project.path() / "migrate.toml").string(), "--database-url",
                                        db->url(), "wait", "--timeout", "5s"});
  INFO(describe(result));
  CHECK(result.exit_code == 0);
  CHECK(contains(result.out, "app: "));
  CHECK(contains(result.out, "answers"));
  check_no_password(result, db->url());
}

TEST_CASE("wait gives up with exit 5 after its timeout when the server does not answer", "[cli]") {
  TempDir project;
  project.write("migrate.toml", single_service_manifest());
  project.write("services/app/migrations/0001_one.up.sql", "CREATE TABLE one (id INTEGER);\n");
  const std::string url = "postgresql://app:wait-secret@127.0.0.1:1/app";

  const CliResult result = run_migrate(
      {"--config", (project.path() / "migrate.toml").string(), "--database-url", url, "wait", "--timeout", "1500ms"});
  INFO(describe(result));
  CHECK(result.exit_code == 5);
  // It kept trying (and said so) rather than giving up on the first refusal.
  CHECK(contains(result.err, "waiting for postgresql://app:***@127.0.0.1:1/app"));
  CHECK(contains(result.err, "127.0.0.1"));
  check_no_password(result, url);
}

TEST_CASE("wait rejects a timeout that is not a duration", "[cli]") {
  TempDir project;
  project.write("migrate.toml", single_service_manifest());
  const CliResult result =
      run_migrate({"--config", (project.path() / "migrate.toml").string(), "wait", "--timeout", "soon"});
  INFO(describe(result));
  CHECK(result.exit_code == 2);
  CHECK(contains(result.err, "--timeout"));
}

TEST_CASE("wait on a SQLite database whose folder does not exist gives up with exit 5", "[cli]") {
  TempDir project;
  project.write("migrate.toml", single_service_manifest());
  project.write("services/app/migrations/0001_one.up.sql", "CREATE TABLE one (id INTEGER);\n");
  const std::string url = "sqlite://" + (project.path() / "no-such-folder" / "app.db").string();
  const CliResult result = run_migrate(
      {"--config", (project.path() / "migrate.toml").string(), "--database-url", url, "wait", "--timeout", "1s"});
  INFO(describe(result));
  CHECK(result.exit_code == 5);
  CHECK_FALSE(contains(result.out, "answers"));
  CHECK(contains(result.err, "no-such-folder"));
  CHECK_FALSE(std::filesystem::exists(project.path() / "no-such-folder"));
}
