// Out-of-order revisions: refused with exit 4, applied with --allow-out-of-order.
#include <catch2/catch.hpp>

#include "cli/cli_fixtures.hpp"

using migrate::Dialect;
using namespace migrate::test;
using Tables = std::vector<std::string>;

TEST_CASE("a pending revision below the applied head is refused with exit 4, then applied with "
          "--allow-out-of-order",
          "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  project.add_table(3, "gamma");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  // 0002 arrives (say, from a merged branch) after 0003 is applied; 0004 is a normal new one.
  project.add_table(2, "beta");
  project.add_table(4, "delta");
  const DatabaseState before = capture(*db);

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"up", "--yes"}, std::vector<std::string>{"up", "app", "--yes"}}) {
    const CliResult run = project.run(args, db.get());
    CHECK_EXIT(run, 4);
    CHECK_THAT(run.err, Catch::Contains("0002_create_beta"));
    CHECK_THAT(run.err, Catch::Contains("out of order"));
    CHECK(capture(*db) == before);
  }
  CHECK(db->user_tables() == Tables{"alpha", "gamma"});

  const CliResult run = project.run({"up", "--yes", "--allow-out-of-order"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->history("app") ==
        std::vector<std::string>{"1:create_alpha", "2:create_beta", "3:create_gamma", "4:create_delta"});
  CHECK(db->user_tables() == Tables{"alpha", "beta", "delta", "gamma"});

  const CliResult st = project.run({"status", "--json"}, db.get());
  CHECK_EXIT(st, 0);
  check_service_status(parse_json(st), "app", "up_to_date", "0004", "0004", 4, 0);
}
