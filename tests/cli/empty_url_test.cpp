// A URL variable that is set but empty (what docker compose and systemd give for a
// missing secret) and a broken .env stop every command with exit 2, never falling back
// to the SQLite default; the process environment wins over .env, even when empty.
#include <catch2/catch.hpp>

#include <fstream>

#include "cli/cli_fixtures.hpp"

using namespace migrate::test;

namespace {

std::string alpha_manifest() {
  return "[services.alpha]\nmigrations = \"services/alpha/migrations\"\ndatabase_url_env = \"ALPHA_URL\"\n";
}

// The project's default database for alpha, which none of these runs may create.
std::filesystem::path default_database(const CliProject& project) { return project.dir() / "var" / "alpha.db"; }

void check_refused(const CliProject& project, const CliOptions& options, const std::string& needle,
                   const std::vector<std::string>& extra = {}) {
  for (std::vector<std::string> args : {std::vector<std::string>{"up", "--yes"},
                                        std::vector<std::string>{"up", "--yes", "--json"},
                                        std::vector<std::string>{"status", "--json"},
                                        std::vector<std::string>{"down", "alpha", "--yes"}}) {
    args.insert(args.end(), extra.begin(), extra.end());
    const CliResult result = project.run(args, nullptr, options);
    INFO("migrate " << args[0] << " " << args.back());
    CHECK_EXIT(result, 2);
    CHECK_THAT(result.out + result.err, Catch::Contains(needle));
    if (args.back() == "--json") {
      const nlohmann::json document = parse_json(result);
      CHECK(document["success"] == false);
      CHECK(document["exit_code"] == 2);
    }
  }
  CHECK_FALSE(std::filesystem::exists(default_database(project)));
  CHECK_FALSE(std::filesystem::exists(project.dir() / "migration-backups"));
}

}  // namespace

TEST_CASE("a URL variable that is set but empty is exit 2, never the SQLite default", "[cli]") {
  CliProject project(alpha_manifest());
  project.add_table(1, "items", "alpha");
  CliOptions options;
  SECTION("ALPHA_URL=") {
    options.env["ALPHA_URL"] = "";
    check_refused(project, options, "ALPHA_URL is set but empty");
  }
  SECTION("ALPHA_URL= in the process environment wins over a value in .env") {
    std::ofstream(project.dir() / ".env") << "ALPHA_URL=sqlite:var/from-dotenv.db\n";
    options.env["ALPHA_URL"] = "";
    check_refused(project, options, "ALPHA_URL is set but empty");
    CHECK_FALSE(std::filesystem::exists(project.dir() / "var" / "from-dotenv.db"));
  }
  SECTION("ALPHA_URL= in .env") {
    std::ofstream(project.dir() / ".env") << "ALPHA_URL=\n";
    check_refused(project, options, "ALPHA_URL is set but empty; give it a database URL, or unset it (ALPHA_URL is set in " +
                                        (project.dir() / ".env").string() + ")");
  }
  SECTION("DATABASE_URL= (blank)") {
    options.env["DATABASE_URL"] = "  ";
    check_refused(project, options, "DATABASE_URL is set but empty");
  }
  SECTION("--database-url ''") {
    check_refused(project, options, "--database-url is set but empty", {"--database-url", ""});
  }
}

TEST_CASE("a .env that is a directory or has a malformed line is exit 2 naming it", "[cli]") {
  CliProject project(alpha_manifest());
  project.add_table(1, "items", "alpha");
  const std::filesystem::path dotenv = project.dir() / ".env";
  std::string needle;
  SECTION("a directory") {
    std::filesystem::create_directory(dotenv);
    needle = dotenv.string() + " is not a regular file but a directory";
  }
  SECTION("a malformed line") {
    std::ofstream(dotenv) << "# settings\nALPHA_URL sqlite:var/alpha.db\n";
    needle = dotenv.string() + ":2: expected KEY=VALUE";
  }
  check_refused(project, {}, needle);
}

TEST_CASE("an unset URL variable still means the SQLite default", "[cli]") {
  CliProject project(alpha_manifest());
  project.add_table(1, "items", "alpha");
  const CliResult result = project.run({"up", "--yes"});
  CHECK_EXIT(result, 0);
  CHECK(std::filesystem::exists(default_database(project)));
}
