// The --json contract of every command: exactly one JSON document on stdout, with
// "success", and on failure "error" and "exit_code" equal to the process's exit code;
// a failed up lists the revisions that committed before the failure.
#include <catch2/catch.hpp>

#include <fstream>

#include "cli/cli_fixtures.hpp"

using migrate::Dialect;
using namespace migrate::test;
using Args = std::vector<std::string>;

namespace {

const char* const k_unreachable = "postgresql://migrator:pw@127.0.0.1:1/appdb?connect_timeout=2";

// Parses the whole of stdout as one JSON document (trailing text fails the parse) and
// checks the envelope against the exit code. Returns the document.
nlohmann::json check_envelope(const CliResult& result, int expected_exit) {
  INFO(describe(result));
  CHECK(result.exit_code == expected_exit);
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(result.out);
  } catch (const nlohmann::json::exception& e) {
    FAIL("stdout is not exactly one JSON document: " << e.what());
  }
  REQUIRE(document.is_object());
  REQUIRE(document.contains("success"));
  CHECK(document["success"] == (result.exit_code == 0));
  if (result.exit_code != 0) {
    REQUIRE(document.contains("exit_code"));
    CHECK(document["exit_code"] == result.exit_code);
    REQUIRE(document.contains("error"));
    CHECK(document["error"].is_string());
    CHECK_FALSE(document["error"].get<std::string>().empty());
  } else {
    CHECK_FALSE(document.contains("exit_code"));
  }
  return document;
}

Args with_json(Args args) {
  args.push_back("--json");
  return args;
}

}  // namespace

TEST_CASE("every command prints one JSON envelope on success", "[cli][json]") {
  CliProject project;
  const auto db = make_test_database(Dialect::sqlite);
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  const std::filesystem::path export_file = project.dir() / "settings.json";
  std::ofstream(export_file) << R"({"name": "settings", "keys": [{"key": "a", "value": {"x": 1}}, {"key": "b", "value": [2]}]})";

  const auto run = [&](const Args& args) { return check_envelope(project.run(with_json(args), db.get()), 0); };

  nlohmann::json document = run({"up", "--dry-run"});
  CHECK(document["dry_run"] == true);
  CHECK(document["services"]["app"].size() == 2);
  document = run({"up", "--yes"});
  CHECK(document["services"]["app"]["applied"] == nlohmann::json::array({"0001", "0002"}));
  CHECK(document["services"]["app"]["committed"].size() == 2);
  CHECK(document["services"]["app"]["committed"][0]["name"] == "create_alpha");
  CHECK(document["services"]["app"]["committed"][0].contains("duration_ms"));
  CHECK(document["services"]["app"]["not_attempted"].empty());
  run({"up", "--yes"});  // nothing to do
  CHECK(run({"status"})["services"]["app"]["current_revision"] == "0002");
  CHECK(run({"history"})["services"]["app"].size() == 2);
  document = run({"current"});
  CHECK(document["app"] == "0002");
  CHECK(document["services"]["app"] == "0002");
  CHECK(run({"verify"})["services"]["app"]["ok"] == true);
  CHECK(run({"repair", "app"})["repaired"].empty());
  document = run({"stamp", "app", "0001"});
  CHECK(document["target"] == "0001");
  CHECK(document["removed"] == nlohmann::json::array({"0002"}));
  run({"stamp", "app", "head"});
  document = run({"lock"});
  CHECK(document["app"]["held"] == false);
  CHECK(document["services"]["app"]["held"] == false);
  CHECK(run({"lock", "release", "--force", "--yes"})["services"]["app"]["outcome"] == "free");
  CHECK(run({"wait", "--timeout", "5s"})["services"]["app"]["answers"] == true);
  CHECK(run({"import-kv", "app", "settings", export_file.string()})["rows"] == 2);
  const std::string backup_file = run({"backup"})["backups"]["app"];
  CHECK(std::filesystem::exists(backup_file));
  CHECK(run({"backups"})["backups"]["app"].size() >= 1);
  CHECK(run({"down", "app", "--dry-run"})["services"]["app"].size() == 1);
  document = run({"down", "app", "--yes"});
  CHECK(document["services"]["app"]["rolled_back"] == nlohmann::json::array({"0002"}));
  document = run({"restore", "app", backup_file, "--yes"});
  CHECK(document["file"] == backup_file);
  CHECK(document["safety_backup"].is_string());
  CHECK(run({"new", "app", "gamma"})["files"].size() == 2);
}

TEST_CASE("every command prints one JSON envelope with its exit code on failure", "[cli][json]") {
  CliProject project;
  project.add_table(1, "alpha");
  const auto db = make_test_database(Dialect::sqlite);
  const auto unreachable = [&](Args args) {
    args.push_back("--database-url");
    args.push_back(k_unreachable);
    return check_envelope(project.run(with_json(args)), 5);
  };
  for (const Args& args : {Args{"status"}, Args{"up", "--yes"}, Args{"history"}, Args{"current"}, Args{"verify"},
                           Args{"stamp", "app", "head"}, Args{"repair", "app"}, Args{"lock"},
                           Args{"lock", "release", "--force", "--yes"}, Args{"backup"},
                           Args{"down", "app", "--yes"}, Args{"wait", "--timeout", "1s"},
                           Args{"transfer", "status", "--from", "sqlite:/nonexistent.db", "--to", "app"}}) {
    INFO("migrate " << args[0] << " against an unreachable server");
    unreachable(args);
  }

  const auto usage = [&](const Args& args) { return check_envelope(project.run(with_json(args), db.get()), 2); };
  for (const Args& args :
       {Args{"history", "nosuch"}, Args{"current", "nosuch"}, Args{"stamp", "app", "0099"}, Args{"new", "app", "Bad Name"},
        Args{"repair", "nosuch"}, Args{"backups", "nosuch"}, Args{"restore", "app", "/nonexistent.sqlite3", "--yes"},
        Args{"lock", "release"}, Args{"import-kv", "app", "settings", "/nonexistent.json"}, Args{"up", "--step", "0"},
        Args{"--no-such-option"}, Args{"down", "app"} /* no terminal, no --yes */,
        Args{"transfer", "run", "nosuch", "--yes"}, Args{"transfer", "map", "--from", "sqlite:/nonexistent.db", "--to", "app"},
        Args{"transfer", "validate", "--from", "sqlite:/nonexistent.db"}}) {
    INFO("migrate " << args[0] << " with a usage error");
    usage(args);
  }

  project.run({"up", "--yes"}, db.get());
  project.write(stem(1, "create_alpha") + ".up.sql", "CREATE TABLE alpha (id INTEGER, edited INTEGER);\n");
  const nlohmann::json drift = check_envelope(project.run({"verify", "--json"}, db.get()), 4);
  CHECK(drift["services"]["app"]["ok"] == false);
}

TEST_CASE("a failed up lists what committed before the failure, and what was not attempted", "[cli][json][postgres]") {
  for (const Dialect dialect : {Dialect::postgres, Dialect::sqlite}) {
    INFO("dialect " << migrate::to_string(dialect));
    CliProject project;
    const auto db = make_test_database(dialect);
    project.add_table(1, "alpha");
    project.add_table(2, "beta");
    project.write(stem(3, "broken") + ".up.sql", "CREATE TABLE gamma (id INTEGER);\nSELECT * FROM no_such_table;\n");
    project.add_table(4, "delta");
    const nlohmann::json document = check_envelope(project.run({"up", "--yes", "--json"}, db.get()), 1);
    const nlohmann::json& app = document["services"]["app"];
    CHECK(app["applied"] == nlohmann::json::array({"0001", "0002"}));
    REQUIRE(app["committed"].size() == 2);
    CHECK(app["committed"][1]["version"] == "0002");
    CHECK(app["failed"]["version"] == "0003");
    CHECK(app["failed"]["name"] == "broken");
    CHECK_THAT(app["failed"]["error"].get<std::string>(), Catch::Contains("no_such_table"));
    REQUIRE(app["not_attempted"].size() == 1);
    CHECK(app["not_attempted"][0]["version"] == "0004");
    CHECK(db->history("app") == std::vector<std::string>{"1:create_alpha", "2:create_beta"});
  }
}

TEST_CASE("a declined prompt under --json keeps stdout one document", "[cli][json]") {
  CliProject project;
  project.add_table(1, "alpha");
  const auto db = make_test_database(Dialect::sqlite);
  // --json with nobody to ask: refused (exit 2) as one document, nothing applied.
  const CliResult refused = project.run({"up", "--json"}, db.get());
  check_envelope(refused, 2);
  CHECK(db->history("app").empty());
}

TEST_CASE("up --json typed at a terminal with stdout piped: the plan and the question on stderr, stdout one document",
          "[cli][json]") {
  // `migrate up --json | jq` run by a person: stdin is the terminal, stdout a pipe.
  CliProject project;
  project.add_table(1, "alpha");
  const auto db = make_test_database(Dialect::sqlite);
  CliOptions options;
  options.stdio = Stdio::terminal_stdin;

  options.input = "n\n";
  const CliResult declined = project.run({"up", "--json"}, db.get(), options);
  const nlohmann::json no = check_envelope(declined, 2);
  CHECK(no["declined"] == true);
  CHECK(contains(declined.err, "0001_create_alpha"));  // the plan
  CHECK(contains(declined.err, "[y/N]"));
  CHECK(db->history("app").empty());

  options.input = "y\n";
  const CliResult accepted = project.run({"up", "--json"}, db.get(), options);
  const nlohmann::json yes = check_envelope(accepted, 0);
  CHECK(yes["services"]["app"]["applied"] == nlohmann::json::array({"0001"}));
  CHECK(contains(accepted.err, "[y/N]"));
  CHECK(db->history("app") == std::vector<std::string>{"1:create_alpha"});
}
