// `migrate new <service> <name>`: the next zero-padded revision pair.
#include <catch2/catch.hpp>

#include <set>

#include "cli/cli_fixtures.hpp"

using namespace migrate::test;

namespace {

std::set<std::string> files_in(const std::filesystem::path& dir) {
  std::set<std::string> names;
  if (!std::filesystem::exists(dir)) return names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return names;
}

}  // namespace

TEST_CASE("new creates the next zero-padded up/down pair", "[cli]") {
  CliProject project;
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  project.add_table(3, "gamma", "app", /*reversible=*/false);
  const std::string gamma_before = slurp(project.migrations() / "0003_create_gamma.up.sql");

  CliResult run = project.run({"new", "app", "add_x"});
  CHECK_EXIT(run, 0);
  CHECK(std::filesystem::is_regular_file(project.migrations() / "0004_add_x.up.sql"));
  CHECK(std::filesystem::is_regular_file(project.migrations() / "0004_add_x.down.sql"));
  CHECK_THAT(run.out, Catch::Contains("0004_add_x.up.sql"));
  CHECK_THAT(run.out, Catch::Contains("0004_add_x.down.sql"));
  CHECK(slurp(project.migrations() / "0003_create_gamma.up.sql") == gamma_before);
  CHECK(files_in(project.migrations()).size() == 7u);

  run = project.run({"new", "app", "second_change_2"});
  CHECK_EXIT(run, 0);
  CHECK(std::filesystem::is_regular_file(project.migrations() / "0005_second_change_2.up.sql"));
  CHECK(std::filesystem::is_regular_file(project.migrations() / "0005_second_change_2.down.sql"));

  // The same name again takes the next number; nothing is overwritten.
  run = project.run({"new", "app", "add_x"});
  CHECK_EXIT(run, 0);
  CHECK(std::filesystem::is_regular_file(project.migrations() / "0006_add_x.up.sql"));

  // Past 9: still at least four digits, ordered by number.
  for (int version = 7; version <= 9; ++version) project.add_table(version, "t" + std::to_string(version));
  run = project.run({"new", "app", "tenth"});
  CHECK_EXIT(run, 0);
  CHECK(std::filesystem::is_regular_file(project.migrations() / "0010_tenth.up.sql"));
}

TEST_CASE("new starts at 0001 in an empty or missing folder", "[cli]") {
  CliProject project;
  REQUIRE_FALSE(std::filesystem::exists(project.migrations()));
  const CliResult run = project.run({"new", "app", "initial_schema"});
  CHECK_EXIT(run, 0);
  CHECK(files_in(project.migrations()) ==
        std::set<std::string>{"0001_initial_schema.down.sql", "0001_initial_schema.up.sql"});
}

TEST_CASE("new rejects bad names and unknown services with exit 2 and creates nothing", "[cli]") {
  CliProject project;
  project.add_table(1, "alpha");
  const std::set<std::string> before = files_in(project.migrations());
  for (const std::string& name :
       {std::string("Add-X"), std::string("AddX"), std::string("has space"), std::string("../escape"),
        std::string("x.sql"), std::string("dash-name"), std::string("")}) {
    INFO("name '" << name << "'");
    const CliResult run = project.run({"new", "app", name});
    CHECK_EXIT(run, 2);
    CHECK_FALSE(run.err.empty());
    CHECK(files_in(project.migrations()) == before);
  }
  CHECK(files_in(project.migrations().parent_path()) == std::set<std::string>{"migrations"});

  const CliResult run = project.run({"new", "nosuch", "add_x"});
  CHECK_EXIT(run, 2);
  CHECK_THAT(run.err, Catch::Contains("nosuch"));
  CHECK_FALSE(std::filesystem::exists(project.dir() / "services" / "nosuch"));
  CHECK(files_in(project.migrations()) == before);
}

TEST_CASE("new warns when the service already has a revision of that name, and still creates the next", "[cli]") {
  CliProject project;
  project.add_table(1, "alpha");
  const CliResult first = project.run({"new", "app", "create_alpha", "--json"});
  CHECK_EXIT(first, 0);
  CHECK_THAT(first.err, Catch::Contains("already has a revision named create_alpha: 0001_create_alpha"));
  const nlohmann::json document = parse_json(first);
  CHECK(document["version"] == "0002");
  CHECK(document["same_name"] == nlohmann::json::array({"0001_create_alpha"}));
  CHECK(std::filesystem::exists(project.migrations() / "0002_create_alpha.up.sql"));
}
