// `migrate stamp`: set the history without running SQL, on both dialects.
#include <catch2/catch.hpp>

#include "cli/cli_fixtures.hpp"

using migrate::Dialect;
using namespace migrate::test;
using Tables = std::vector<std::string>;
using History = std::vector<std::string>;

namespace {

void add_four_tables(const CliProject& project) {
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  project.add_table(3, "gamma");
  project.add_table(4, "delta");
}

}  // namespace

TEST_CASE("stamp <service> 0002 then up applies only the revisions after 0002", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  add_four_tables(project);

  const CliResult stamp = project.run({"stamp", "app", "0002"}, db.get());
  CHECK_EXIT(stamp, 0);
  CHECK(db->history("app") == History{"1:create_alpha", "2:create_beta"});
  CHECK(db->user_tables().empty());

  const CliResult st = project.run({"status", "--json"}, db.get());
  CHECK_EXIT(st, 0);
  check_service_status(parse_json(st), "app", "pending", "0002", "0004", 2, 2);

  const CliResult up = project.run({"up", "--yes"}, db.get());
  CHECK_EXIT(up, 0);
  CHECK_THAT(up.out, Catch::Contains("0003_create_gamma"));
  CHECK_THAT(up.out, !Catch::Contains("0001_create_alpha"));
  CHECK(db->user_tables() == Tables{"delta", "gamma"});
  CHECK(db->history("app") == History{"1:create_alpha", "2:create_beta", "3:create_gamma", "4:create_delta"});
}

TEST_CASE("stamp head marks every revision applied and stamp base none, without running SQL", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  add_four_tables(project);
  const History all{"1:create_alpha", "2:create_beta", "3:create_gamma", "4:create_delta"};

  CliResult run = project.run({"stamp", "app", "head"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->history("app") == all);
  CHECK(db->user_tables().empty());
  run = project.run({"status", "--json"}, db.get());
  CHECK_EXIT(run, 0);
  check_service_status(parse_json(run), "app", "up_to_date", "0004", "0004", 4, 0);
  run = project.run({"up", "--yes"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->user_tables().empty());

  run = project.run({"stamp", "app", "base"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->history("app").empty());

  run = project.run({"up", "--yes"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->user_tables() == Tables{"alpha", "beta", "delta", "gamma"});

  // base forgets the history and leaves the tables where they are.
  run = project.run({"stamp", "app", "base"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->history("app").empty());
  CHECK(db->user_tables() == Tables{"alpha", "beta", "delta", "gamma"});

  // Back to head, then a stamp in the middle removes the rows above it.
  REQUIRE_EXIT(project.run({"stamp", "app", "head"}, db.get()), 0);
  run = project.run({"stamp", "app", "0003"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->history("app") == History{"1:create_alpha", "2:create_beta", "3:create_gamma"});
  CHECK(db->user_tables() == Tables{"alpha", "beta", "delta", "gamma"});

  // Unknown versions and services are usage errors that change nothing.
  const DatabaseState before = capture(*db);
  run = project.run({"stamp", "app", "0009"}, db.get());
  CHECK_EXIT(run, 2);
  run = project.run({"stamp", "app", "latest"}, db.get());
  CHECK_EXIT(run, 2);
  run = project.run({"stamp", "nosuch", "head"}, db.get());
  CHECK_EXIT(run, 2);
  CHECK(capture(*db) == before);
}
