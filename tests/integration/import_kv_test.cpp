// migrate import-kv end to end on real PostgreSQL and SQLite: both export formats stage the
// same rows and checksum, bad input leaves the database exactly as it was, and the import
// is audited.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "integration/integration_support.hpp"
#include "migrate/util/sha256.hpp"

namespace migrate::itest {

namespace {

const fs::path k_fixtures = fs::path(MIGRATE_SOURCE_DIR) / "services/discord-bot/fixtures";

// A project with one service "app" (an empty migrations folder) whose database is db.
struct ImportProject {
  explicit ImportProject(test::TestDatabase& database)
      : db(database), project(service_toml("app", "APP_DATABASE_URL")) {
    fs::create_directories(project.dir() / "services/app/migrations");
    options.env["APP_DATABASE_URL"] = db.url();
  }

  test::CliResult import(const std::string& table, const fs::path& file, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"import-kv", "app", table, file.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return project.run(args, options);
  }

  bool has_table(const std::string& table) {
    const auto tables = db.user_tables();
    return std::find(tables.begin(), tables.end(), table) != tables.end();
  }

  // Every row of a raw table as "key=value", the value as the database prints it.
  std::vector<std::string> rows(const std::string& table) {
    const std::string value = db.dialect() == Dialect::postgres ? "value::text" : "value";
    std::vector<std::string> out;
    for (const auto& row : db.query("SELECT key, " + value + " FROM " + table + " ORDER BY key")) {
      out.push_back(row[0] + "=" + row[1]);
    }
    return out;
  }

  test::TestDatabase& db;
  Project project;
  test::CliOptions options;
};

// The checksum as the header defines it, computed here from the fixture independently.
std::string expected_sha256(const fs::path& document) {
  const nlohmann::json parsed = nlohmann::json::parse(test::slurp(document));
  std::string text;
  for (const nlohmann::json& pair : parsed["keys"]) {
    text += pair["key"].get<std::string>() + "\t" + pair["value"].dump() + "\n";
  }
  return util::sha256_hex(text);
}

std::string jsonl(int first, int count) {
  std::string text;
  for (int i = first; i < first + count; ++i) {
    text += "{\"key\": \"k" + std::to_string(i) + "\", \"value\": {\"n\": " + std::to_string(i) + "}}\n";
  }
  return text;
}

}  // namespace

TEST_CASE("import-kv stages a document and JSON Lines as the same rows with the same sha256",
          "[integration][import_kv]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  ImportProject p(*db);
  const std::string sha = expected_sha256(k_fixtures / "settings-export.json");

  const test::CliResult document = p.import("settings", k_fixtures / "settings-export.json");
  ITEST_REQUIRE_EXIT(document, 0);
  CHECK(document.out == "imported 5 rows into raw_settings (sha256 " + sha + ")\n");

  const test::CliResult lines = p.import("settings_lines", k_fixtures / "settings-export.jsonl", {"--json"});
  ITEST_REQUIRE_EXIT(lines, 0);
  const nlohmann::json report = nlohmann::json::parse(lines.out);
  CHECK(report == nlohmann::json{{"success", true}, {"table", "raw_settings_lines"}, {"rows", 5}, {"sha256", sha}});

  CHECK(p.rows("raw_settings").size() == 5);
  CHECK(p.rows("raw_settings") == p.rows("raw_settings_lines"));
  CHECK(p.rows("raw_settings").front().rfind("283708937382576130=", 0) == 0);
  if (dialect == Dialect::postgres) {
    CHECK(db->scalar("SELECT data_type FROM information_schema.columns WHERE table_name = 'raw_settings' AND "
                     "column_name = 'value'") == "jsonb");
    CHECK(db->scalar("SELECT value->>'prefix' FROM raw_settings WHERE key = '690624412813426719'") == ">>");
    CHECK(db->scalar("SELECT count(*) FROM raw_settings WHERE value ? 'modLogChannel'") == "4");
  } else {
    CHECK(db->scalar("SELECT value FROM raw_settings WHERE key = '527154939261452298'") ==
          R"({"modRoles":["527160384216629258"],"prefix":"!"})");
  }
}

TEST_CASE("the discord-bot fixture imports into the discord-bot database as 5 rows", "[integration][import_kv]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  // The real discord-bot migrations folder: its compiled steps expect their files there.
  const Project project("[services.discord-bot]\nmigrations = \"" +
                        (fs::path(MIGRATE_SOURCE_DIR) / "services/discord-bot/migrations").string() +
                        "\"\ndatabase_url_env = \"DISCORD_BOT_DATABASE_URL\"\n");
  test::CliOptions options;
  options.env["DISCORD_BOT_DATABASE_URL"] = db->url();
  const std::string fixture = (k_fixtures / "settings-export.json").string();
  ITEST_REQUIRE_EXIT(project.run({"import-kv", "discord-bot", "settings", fixture}, options), 0);
  CHECK(db->scalar("SELECT count(*) FROM raw_settings") == "5");
  CHECK(db->scalar("SELECT count(*) FROM raw_settings WHERE length(key) = 18") == "5");
}

TEST_CASE("bad JSON at line 3 of JSON Lines names the line and creates nothing", "[integration][import_kv]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  ImportProject p(*db);
  test::TempDir files;
  const fs::path bad = files.write("bad.jsonl", jsonl(1, 2) + "{\"key\": \"k3\", \"value\": }\n" + jsonl(4, 600));
  const test::CliResult result = p.import("settings", bad);
  ITEST_REQUIRE_EXIT(result, 2);
  CHECK_THAT(result.err, Catch::Contains(bad.string() + ": line 3: invalid JSON"));
  INFO("the CREATE TABLE was in the same transaction: no table either");
  CHECK_FALSE(p.has_table("raw_settings"));
}

TEST_CASE("a truncated document names a byte offset and creates nothing", "[integration][import_kv]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  ImportProject p(*db);
  std::string text = test::slurp(k_fixtures / "settings-export.json");
  text.resize(text.size() / 2);
  test::TempDir files;
  const fs::path cut = files.write("cut.json", text);
  const test::CliResult result = p.import("settings", cut);
  ITEST_REQUIRE_EXIT(result, 2);
  CHECK_THAT(result.err, Catch::Contains(cut.string() + ": invalid JSON at byte "));
  CHECK_FALSE(p.has_table("raw_settings"));
}

TEST_CASE("a key that appears twice is refused, within a batch or across batches", "[integration][import_kv]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  ImportProject p(*db);
  test::TempDir files;

  SECTION("in one batch") {
    const fs::path file = files.write("dup.jsonl", jsonl(1, 5) + jsonl(2, 1));
    const test::CliResult result = p.import("settings", file);
    ITEST_REQUIRE_EXIT(result, 2);
    CHECK_THAT(result.err, Catch::Contains(file.string() + ": line 6: duplicate key \"k2\" (first at line 2)"));
  }
  SECTION("in a later batch than the first") {
    const fs::path file = files.write("dup.jsonl", jsonl(1, 700) + jsonl(3, 1));
    const test::CliResult result = p.import("settings", file);
    ITEST_REQUIRE_EXIT(result, 2);
    CHECK_THAT(result.err,
               Catch::Contains(file.string() + ": line 701: duplicate key \"k3\" (it appears earlier in the file)"));
  }
  SECTION("in a document") {
    const fs::path file = files.write(
        "dup.json", R"({"keys": [{"key": "a", "value": 1}, {"key": "b", "value": 2}, {"key": "a", "value": 3}]})");
    const test::CliResult result = p.import("settings", file);
    ITEST_REQUIRE_EXIT(result, 2);
    CHECK_THAT(result.err, Catch::Contains(file.string() + ": byte 63: duplicate key \"a\" (first at byte 11)"));
  }
  CHECK_FALSE(p.has_table("raw_settings"));
}

TEST_CASE("rows already staged need --replace, which swaps them in one transaction", "[integration][import_kv]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  ImportProject p(*db);
  ITEST_REQUIRE_EXIT(p.import("settings", k_fixtures / "settings-export.json"), 0);
  const std::vector<std::string> before = p.rows("raw_settings");
  test::TempDir files;
  const fs::path two = files.write("two.jsonl", jsonl(1, 2));

  const test::CliResult refused = p.import("settings", two);
  ITEST_REQUIRE_EXIT(refused, 2);
  CHECK_THAT(refused.err, Catch::Contains("raw_settings already holds 5 rows; pass --replace"));
  CHECK(p.rows("raw_settings") == before);

  INFO("a bad file with --replace keeps the old rows: the DELETE rolls back too");
  const fs::path bad = files.write("bad.jsonl", jsonl(1, 2) + "{\"key\": 3, \"value\": 3}\n");
  ITEST_REQUIRE_EXIT(p.import("settings", bad, {"--replace"}), 2);
  CHECK(p.rows("raw_settings") == before);

  ITEST_REQUIRE_EXIT(p.import("settings", two, {"--replace"}), 0);
  CHECK(p.rows("raw_settings").size() == 2);
  CHECK(p.rows("raw_settings").front().rfind("k1=", 0) == 0);
}

TEST_CASE("import-kv is audited with the table, row count and sha256", "[integration][import_kv]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  ImportProject p(*db);
  ITEST_REQUIRE_EXIT(p.import("settings", k_fixtures / "settings-export.jsonl"), 0);
  const auto events = p.project.audit();
  REQUIRE(events.size() == 3);
  CHECK(events[0]["event"] == "start");
  CHECK(events[2]["event"] == "done");
  CHECK(events[2]["ok"] == true);
  const nlohmann::json& import = events[1];
  CHECK(import["command"] == "import-kv");
  CHECK(import["event"] == "import");
  CHECK(import["service"] == "app");
  CHECK(import["ok"] == true);
  CHECK(import["duration_ms"].is_number_integer());
  CHECK(import["detail"] ==
        "raw_settings: 5 rows, sha256 " + expected_sha256(k_fixtures / "settings-export.json"));
  INFO("the lock was released");
  CHECK(db->scalar("SELECT count(*) FROM migration_lock") == "0");
}

TEST_CASE("import-kv refuses a bad table name, an unreadable file and an unreachable database",
          "[integration][import_kv]") {
  const auto db = test::make_test_database(Dialect::sqlite);
  ImportProject p(*db);
  const fs::path fixture = k_fixtures / "settings-export.json";
  for (const std::string& name : std::vector<std::string>{"Settings", "1st", "raw-x", "", std::string(52, 'a')}) {
    INFO("table name '" << name << "'");
    ITEST_CHECK_EXIT(p.import(name, fixture), 2);
  }
  ITEST_CHECK_EXIT(p.import(std::string(51, 'a'), fixture), 0);
  const test::CliResult missing = p.import("settings", p.project.dir() / "missing.json");
  ITEST_CHECK_EXIT(missing, 2);
  CHECK_THAT(missing.err, Catch::Contains("cannot read "));
  CHECK_FALSE(p.has_table("raw_settings"));

  test::CliOptions unreachable;
  unreachable.env["APP_DATABASE_URL"] = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2";
  ITEST_CHECK_EXIT(p.project.run({"import-kv", "app", "settings", fixture.string()}, unreachable), 5);
}

TEST_CASE("import-kv stages 1,234 keys across several batches in file order", "[integration][import_kv]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  ImportProject p(*db);
  test::TempDir files;
  const std::string text = jsonl(1, 1234);
  const test::CliResult result = p.import("many", files.write("many.jsonl", text), {"--json"});
  ITEST_REQUIRE_EXIT(result, 0);
  std::string hashed;
  for (int i = 1; i <= 1234; ++i) hashed += "k" + std::to_string(i) + "\t{\"n\":" + std::to_string(i) + "}\n";
  CHECK(nlohmann::json::parse(result.out)["sha256"] == util::sha256_hex(hashed));
  CHECK(db->scalar("SELECT count(*) FROM raw_many") == "1234");
  CHECK(db->scalar("SELECT count(DISTINCT key) FROM raw_many") == "1234");
}

}  // namespace migrate::itest
