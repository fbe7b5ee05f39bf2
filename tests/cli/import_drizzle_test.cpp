// `migrate import drizzle <service> <folder>`: byte-exact revision files from a hand-made
// drizzle-kit folder, re-runs, dry runs, unlisted files and refusals that write nothing.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "cli/cli_fixtures.hpp"
#include "migrate/util/sha256.hpp"

using namespace migrate::test;
namespace fs = std::filesystem;

namespace {

// Every file under dir with its bytes (empty when dir is missing).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).string()] = slurp(entry.path());
  }
  return files;
}

// A drizzle-kit out folder: the journal lists tags in the order given.
void write_drizzle(const TempDir& out, const std::vector<std::pair<std::string, std::string>>& migrations) {
  std::string journal = R"({"version": "7", "dialect": "sqlite", "entries": [)";
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    journal += std::string(i == 0 ? "" : ", ") + R"({"idx": )" + std::to_string(i) +
               R"(, "version": "6", "when": 17000000000)" + std::to_string(i) + R"(, "tag": ")" + migrations[i].first +
               R"(", "breakpoints": true})";
    out.write(migrations[i].first + ".sql", migrations[i].second);
  }
  out.write("meta/_journal.json", journal + "]}");
}

const std::string k_users = "CREATE TABLE `users` (\n\t`id` integer PRIMARY KEY NOT NULL\n);\n";
const std::string k_posts =
    "CREATE TABLE `posts` (\n\t`id` integer PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\n"
    "CREATE INDEX `posts_id_idx` ON `posts` (`id`);";

std::vector<std::string> files_of(const nlohmann::json& list) {
  std::vector<std::string> files;
  for (const auto& item : list) files.push_back(fs::path(item["file"].get<std::string>()).filename().string());
  return files;
}

}  // namespace

TEST_CASE("import drizzle writes each journal entry byte-exact, and a second run writes nothing", "[cli][drizzle]") {
  CliProject project;
  TempDir out;
  write_drizzle(out, {{"0000_tearful_pyro", k_users}, {"0001_disable-aggressive-cache", k_posts}});

  CliResult run = project.run({"import", "drizzle", "app", out.path().string(), "--json"});
  REQUIRE_EXIT(run, 0);
  nlohmann::json document = parse_json(run);
  CHECK(document["success"] == true);
  CHECK(document["dry_run"] == false);
  CHECK(files_of(document["written"]) ==
        std::vector<std::string>{"0000_tearful_pyro.up.sql", "0001_disable-aggressive-cache.up.sql"});
  CHECK(document["written"][1]["version"] == "0001");
  CHECK(document["unchanged"].empty());
  CHECK(document["unlisted"].empty());
  CHECK(slurp(project.migrations() / "0000_tearful_pyro.up.sql") == k_users);
  CHECK(slurp(project.migrations() / "0001_disable-aggressive-cache.up.sql") == k_posts);
  // The checksum migrate records is drizzle's hash: SHA-256 of the very bytes.
  CHECK(migrate::util::sha256_hex(slurp(project.migrations() / "0001_disable-aggressive-cache.up.sql")) ==
        migrate::util::sha256_hex(k_posts));

  const auto before = snapshot(project.migrations());
  run = project.run({"import", "drizzle", "app", out.path().string(), "--json"});
  REQUIRE_EXIT(run, 0);
  document = parse_json(run);
  CHECK(document["written"].empty());
  CHECK(files_of(document["unchanged"]) ==
        std::vector<std::string>{"0000_tearful_pyro.up.sql", "0001_disable-aggressive-cache.up.sql"});
  CHECK(snapshot(project.migrations()) == before);

  // The imported revisions are ordinary revisions: up applies both.
  auto db = make_test_database(migrate::Dialect::sqlite);
  CHECK_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  CHECK(db->history("app") == std::vector<std::string>{"0:tearful_pyro", "1:disable-aggressive-cache"});
}

TEST_CASE("import drizzle writes only the new entry after drizzle-kit added one", "[cli][drizzle]") {
  CliProject project;
  TempDir out;
  write_drizzle(out, {{"0000_init", k_users}});
  REQUIRE_EXIT(project.run({"import", "drizzle", "app", out.path().string()}), 0);
  project.add("app", 0, "init", k_users, "DROP TABLE users;");  // a hand-added down file is kept
  write_drizzle(out, {{"0000_init", k_users}, {"0001_posts", k_posts}});

  const CliResult run = project.run({"import", "drizzle", "app", out.path().string()});
  REQUIRE_EXIT(run, 0);
  CHECK_THAT(run.out, Catch::Contains("wrote ") && Catch::Contains("0001_posts.up.sql"));
  CHECK_THAT(run.out, Catch::Contains("unchanged ") && Catch::Contains("0000_init.up.sql"));
  CHECK(slurp(project.migrations() / "0000_init.down.sql") == "DROP TABLE users;");
  CHECK(slurp(project.migrations() / "0001_posts.up.sql") == k_posts);
}

TEST_CASE("import drizzle --dry-run lists what it would write and writes nothing", "[cli][drizzle]") {
  CliProject project;
  TempDir out;
  write_drizzle(out, {{"0000_init", k_users}, {"0001_posts", k_posts}});
  out.write("0002_hand_made.sql", "SELECT 1;\n");

  CliResult run = project.run({"import", "drizzle", "app", out.path().string(), "--dry-run"});
  REQUIRE_EXIT(run, 0);
  CHECK_THAT(run.out, Catch::Contains("would write ") && Catch::Contains("0001_posts.up.sql"));
  CHECK_THAT(run.out, Catch::Contains("0002_hand_made.sql"));
  CHECK_FALSE(fs::exists(project.migrations()));

  run = project.run({"import", "drizzle", "app", out.path().string(), "--dry-run", "--json"});
  REQUIRE_EXIT(run, 0);
  const nlohmann::json document = parse_json(run);
  CHECK(document["dry_run"] == true);
  CHECK(files_of(document["written"]) == std::vector<std::string>{"0000_init.up.sql", "0001_posts.up.sql"});
  REQUIRE(document["unlisted"].size() == 1);
  CHECK(fs::path(document["unlisted"][0].get<std::string>()).filename() == "0002_hand_made.sql");
  CHECK_FALSE(fs::exists(project.migrations()));
}

TEST_CASE("import drizzle reports files the journal does not list and does not import them", "[cli][drizzle]") {
  CliProject project;
  TempDir out;
  write_drizzle(out, {{"0000_init", k_users}});
  out.write("0001_unlisted.sql", "SELECT 1;\n");
  const CliResult run = project.run({"import", "drizzle", "app", out.path().string(), "--json"});
  REQUIRE_EXIT(run, 0);
  const nlohmann::json document = parse_json(run);
  REQUIRE(document["unlisted"].size() == 1);
  CHECK(snapshot(project.migrations()) == std::map<std::string, std::string>{{"0000_init.up.sql", k_users}});
}

TEST_CASE("import drizzle reads the beta one-folder-per-migration layout", "[cli][drizzle]") {
  CliProject project;
  TempDir out;
  out.write("20250102000000_posts/migration.sql", k_posts);
  out.write("20250101000000_users/migration.sql", k_users);
  const CliResult run = project.run({"import", "drizzle", "app", out.path().string(), "--json"});
  REQUIRE_EXIT(run, 0);
  const nlohmann::json document = parse_json(run);
  CHECK(document["layout"] == "folders");
  CHECK(files_of(document["written"]) ==
        std::vector<std::string>{"20250101000000_users.up.sql", "20250102000000_posts.up.sql"});
  CHECK(slurp(project.migrations() / "20250102000000_posts.up.sql") == k_posts);
}

TEST_CASE("import drizzle refuses, exit 2 and nothing written, what would not import faithfully", "[cli][drizzle]") {
  CliProject project;
  TempDir out;
  project.add("app", 1, "posts", "CREATE TABLE posts_by_hand (id int);");
  std::string expected;

  SECTION("a revision of the same version with other bytes") {
    write_drizzle(out, {{"0000_init", k_users}, {"0001_posts", k_posts}});
    expected = "holds other bytes";
  }
  SECTION("a revision of the same version under another name") {
    write_drizzle(out, {{"0000_init", k_users}, {"0001_articles", k_posts}});
    expected = "under the name 'posts'";
  }
  SECTION("a journal entry whose file is missing") {
    write_drizzle(out, {{"0000_init", k_users}, {"0002_gone", k_posts}});
    fs::remove(out.path() / "0002_gone.sql");
    expected = "0002_gone.sql is missing";
  }
  SECTION("no journal") {
    out.write("0000_init.sql", k_users);
    expected = "_journal.json is missing";
  }
  SECTION("an unparsable journal") {
    out.write("meta/_journal.json", "{\"entries\": [{\"tag\": 5}]}");
    expected = "has no \"tag\" string";
  }
  SECTION("a tag that gives no revision name") {
    write_drizzle(out, {{"0000_init", k_users}, {"_no_prefix", k_posts}});
    expected = "does not give a revision name";
  }
  SECTION("two entries of the same version") {
    write_drizzle(out, {{"0002_a", k_users}, {"02_b", k_posts}});
    expected = "give the same version 2";
  }

  const auto before = snapshot(project.migrations());
  CliResult run = project.run({"import", "drizzle", "app", out.path().string()});
  CHECK_EXIT(run, 2);
  CHECK_THAT(run.err, Catch::Contains(expected));
  CHECK(snapshot(project.migrations()) == before);

  run = project.run({"import", "drizzle", "app", out.path().string(), "--json"});
  CHECK_EXIT(run, 2);
  const nlohmann::json document = parse_json(run);
  CHECK(document["success"] == false);
  CHECK(document["exit_code"] == 2);
  CHECK_THAT(document["error"].get<std::string>(), Catch::Contains(expected));
  CHECK(snapshot(project.migrations()) == before);
}

TEST_CASE("import drizzle names an unknown service and a missing tool", "[cli][drizzle]") {
  CliProject project;
  TempDir out;
  write_drizzle(out, {{"0000_init", k_users}});
  CHECK_EXIT(project.run({"import", "drizzle", "nope", out.path().string()}), 2);
  CHECK_EXIT(project.run({"import", "app", out.path().string()}), 2);
  CHECK_FALSE(fs::exists(project.migrations()));
}

TEST_CASE(
    "import drizzle and adopt --from drizzle refuse a journal written for the other database, exit 2, "
    "nothing written",
    "[cli][drizzle][import][adopt]") {
  struct Case {
    migrate::Dialect database;
    std::string journal_dialect;
    std::vector<std::string> named;
  };
  const Case which =
      GENERATE(Case{migrate::Dialect::sqlite, "postgresql", {"\"postgresql\" (PostgreSQL)", "is SQLite"}},
               Case{migrate::Dialect::postgres, "sqlite", {"\"sqlite\" (SQLite)", "is PostgreSQL"}},
               Case{migrate::Dialect::sqlite, "mysql", {"\"mysql\"", "does not run"}});
  INFO(which.journal_dialect);
  CliProject project;
  TempDir out;
  write_drizzle(out, {{"0000_init", k_users}});
  std::string journal = slurp(out.path() / "meta" / "_journal.json");
  journal.replace(journal.find("\"sqlite\""), 8, "\"" + which.journal_dialect + "\"");
  out.write("meta/_journal.json", journal);
  auto db = make_test_database(which.database);
  const std::string drizzle_table =
      which.database == migrate::Dialect::postgres ? "drizzle.__drizzle_migrations" : "__drizzle_migrations";
  if (which.database == migrate::Dialect::postgres) db->exec("CREATE SCHEMA drizzle");
  db->exec("CREATE TABLE " + drizzle_table + " (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)");
  db->exec("INSERT INTO " + drizzle_table + " (hash, created_at) VALUES ('" + migrate::util::sha256_hex(k_users) +
           "', 170000000000)");
  const auto history_exists = [&] {
    return db->scalar(which.database == migrate::Dialect::postgres
                          ? "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
                          : "SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'") != "0";
  };

  CliResult run = project.run({"import", "drizzle", "app", out.path().string()}, db.get());
  CHECK_EXIT(run, 2);
  for (const std::string& text : which.named) CHECK_THAT(run.err, Catch::Contains(text));
  CHECK_THAT(run.err, Catch::Contains("nothing was written"));
  CHECK_FALSE(fs::exists(project.migrations()));

  // The same files, imported by hand: adopting with that journal is refused just the same.
  project.write("0000_init.up.sql", k_users);
  const auto before = snapshot(project.migrations());
  run = project.run({"adopt", "app", "--from", "drizzle", "--journal", out.path().string(), "--json"}, db.get());
  CHECK_EXIT(run, 2);
  const nlohmann::json document = parse_json(run);
  CHECK(document["exit_code"] == 2);
  for (const std::string& text : which.named) CHECK_THAT(document["error"].get<std::string>(), Catch::Contains(text));
  CHECK_FALSE(history_exists());
  CHECK(snapshot(project.migrations()) == before);
}
