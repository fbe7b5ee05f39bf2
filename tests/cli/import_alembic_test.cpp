// `migrate import alembic`: refusals exit 2 and write nothing; a dry run writes nothing.
#include <catch2/catch.hpp>

#include <string>

#include "cli/cli_fixtures.hpp"

using namespace migrate::test;
namespace fs = std::filesystem;

namespace {

std::string revision(const std::string& id, const std::string& down) {
  return "\"\"\"x\n\nCreate Date: 2024-01-01\n\"\"\"\nrevision = '" + id + "'\ndown_revision = " + down + "\n";
}

CliOptions without_alembic(const TempDir& empty) {
  CliOptions options;
  options.env["PATH"] = empty.path().string();
  return options;
}

}  // namespace

TEST_CASE("import alembic refuses a broken graph with exit 2 and writes nothing", "[cli][alembic]") {
  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> cases{
      {"cycle", {{"a.py", revision("a", "'b'")}, {"b.py", revision("b", "'a'")}}},
      {"'gone'", {{"a.py", revision("a", "'gone'")}}},
      {"both declare revision 'a'", {{"a.py", revision("a", "None")}, {"a2.py", revision("a", "None")}}},
      {"not a string literal", {{"a.py", "revision = make()\n"}}},
  };
  for (const auto& [expected, files] : cases) {
    CliProject project;
    TempDir alembic;
    TempDir empty;
    for (const auto& [file, text] : files) alembic.write("versions/" + file, text);
    const CliResult run = project.run({"import", "alembic", "app", alembic.path().string()}, without_alembic(empty));
    CHECK_EXIT(run, 2);
    CHECK(run.err.find(expected) != std::string::npos);
    CHECK(!fs::exists(project.migrations()));
  }
}

TEST_CASE("import alembic --dry-run writes nothing, and a target with other SQL is refused", "[cli][alembic]") {
  CliProject project;
  TempDir alembic;
  TempDir empty;
  alembic.write("versions/001_init.py", revision("001", "None"));
  CliResult run =
      project.run({"import", "alembic", "app", alembic.path().string(), "--dry-run"}, without_alembic(empty));
  REQUIRE_EXIT(run, 0);
  CHECK(run.out.find("would write") != std::string::npos);
  CHECK(!fs::exists(project.migrations()));

  project.write("001_init.up.sql", "CREATE TABLE mine (id int);\n");
  run = project.run({"import", "alembic", "app", alembic.path().string()}, without_alembic(empty));
  CHECK_EXIT(run, 2);
  CHECK(run.err.find("already holds other SQL") != std::string::npos);
  CHECK(!fs::exists(project.migrations() / "alembic_ids.json"));
  CHECK(slurp(project.migrations() / "001_init.up.sql") == "CREATE TABLE mine (id int);\n");
}
