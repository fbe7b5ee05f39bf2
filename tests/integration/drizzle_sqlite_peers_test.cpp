// drizzle-kit and drizzle-orm themselves against migrate on SQLite: migrations drizzle-kit
// generated for dialect "sqlite", applied to a SQLite file by drizzle-orm's own migrator
// (over sql.js, SQLite in WebAssembly: no native module to build), are imported and
// adopted by migrate without a change; the next migration is applied by migrate alone, and
// the result equals the file drizzle's migrator builds from all migrations.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "support/test_project.hpp"

using namespace migrate::test;
namespace fs = std::filesystem;

namespace {

// The installed peers (deployment/lib/peers.sh); the test fails, never skips, without them.
fs::path peers_dir() {
  const char* dir = std::getenv("MIGRATE_PEERS_DIR");
  if (dir == nullptr || *dir == '\0') {
    FAIL(
        "MIGRATE_PEERS_DIR is not set: run the suite through deployment/test.sh, or source "
        "deployment/lib/peers.sh and run peers_install <build dir>");
  }
  const fs::path path(dir);
  if (!fs::is_regular_file(path / "node_modules" / "drizzle-kit" / "bin.cjs") ||
      !fs::is_regular_file(path / "node_modules" / "sql.js" / "dist" / "sql-wasm.wasm")) {
    FAIL("MIGRATE_PEERS_DIR=" << dir << " holds no drizzle-kit or no sql.js; run peers_install again");
  }
  return path;
}

const std::string k_schema_v1 = R"(import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  age: integer("age"),
  createdAt: integer("created_at", { mode: "timestamp" }).default(sql`(unixepoch())`).notNull(),
}, (t) => [index("users_name_idx").on(t.name)]);
)";

// v1 plus a column and a table with a foreign key.
const std::string k_schema_v2 = R"(import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  age: integer("age"),
  createdAt: integer("created_at", { mode: "timestamp" }).default(sql`(unixepoch())`).notNull(),
  email: text("email"),
}, (t) => [index("users_name_idx").on(t.name)]);

export const posts = sqliteTable("posts", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id").notNull().references(() => users.id),
  title: text("title").notNull(),
});
)";

const char* const k_config = R"(import { defineConfig } from "drizzle-kit";
export default defineConfig({ dialect: "sqlite", schema: "./schema.ts", out: "./drizzle" });
)";

// drizzle-orm's own migrator over sql.js, as an application would run it on a file: the
// file's bytes into a sql.js database, migrate, and the database's bytes back (renamed
// into place, so the file is whole or untouched).
const char* const k_migrator = R"(const fs = require("fs");
const initSqlJs = require("sql.js");
const { drizzle } = require("drizzle-orm/sql-js");
const { migrate } = require("drizzle-orm/sql-js/migrator");
(async () => {
  const file = process.env.SQLITE_FILE;
  const SQL = await initSqlJs();
  const db = new SQL.Database(fs.existsSync(file) ? fs.readFileSync(file) : undefined);
  try {
    migrate(drizzle(db), { migrationsFolder: "./drizzle" });
    fs.writeFileSync(file + ".drizzle-tmp", Buffer.from(db.export()));
    fs.renameSync(file + ".drizzle-tmp", file);
  } finally {
    db.close();
  }
})().catch((error) => { console.error(error); process.exit(1); });
)";

fs::path sqlite_path(const TestDatabase& db) { return fs::path(db.url().substr(std::string("sqlite://").size())); }

class DrizzleProject {
 public:
  explicit DrizzleProject(const fs::path& peers) : m_peers(peers) {
    m_dir.write("drizzle.config.ts", k_config);
    m_dir.write("migrate_with_drizzle.cjs", k_migrator);
    fs::create_directory_symlink(peers / "node_modules", m_dir.path() / "node_modules");
  }

  fs::path out() const { return m_dir.path() / "drizzle"; }
  void set_schema(const std::string& text) const { m_dir.write("schema.ts", text); }

  void generate() const {
    const CliResult result = node(
        {(m_peers / "node_modules" / "drizzle-kit" / "bin.cjs").string(), "generate", "--config", "drizzle.config.ts"});
    INFO(describe(result));
    REQUIRE(result.exit_code == 0);
  }

  void migrate_with_drizzle(const TestDatabase& db) const {
    const CliResult result = node({"migrate_with_drizzle.cjs"}, {{"SQLITE_FILE", sqlite_path(db).string()}});
    INFO(describe(result));
    REQUIRE(result.exit_code == 0);
  }

 private:
  CliResult node(std::vector<std::string> args, std::map<std::string, std::string> env = {}) const {
    CliOptions options;
    options.cwd = m_dir.path();
    options.env = std::move(env);
    options.env["HOME"] = (m_dir.path() / "home").string();
    options.env["npm_config_cache"] = (m_dir.path() / "npm-cache").string();
    args.insert(args.begin(), "node");
    args.insert(args.begin(), "/usr/bin/env");
    return run_child(args, options);
  }

  fs::path m_peers;
  TempDir m_dir;
};

// The schema as SQLite keeps it, without drizzle's and migrate's own tables.
std::string schema_of(TestDatabase& db) {
  std::string out;
  for (const auto& row : db.query("SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE "
                                  "name NOT LIKE 'sqlite_%' AND tbl_name NOT IN ('__drizzle_migrations', "
                                  "'schema_migrations', 'migration_lock') ORDER BY type, name")) {
    out += row[0] + "\n";
  }
  return out;
}

// drizzle's rows in the order its migrator reads them: ids are NULL on SQLite (its
// `id SERIAL PRIMARY KEY` is no rowid alias), so by created_at, then rowid.
std::vector<std::string> drizzle_hashes(TestDatabase& db) {
  std::vector<std::string> hashes;
  for (const auto& row : db.query("SELECT hash FROM __drizzle_migrations ORDER BY created_at, rowid")) {
    hashes.push_back(row[0]);
  }
  return hashes;
}

std::vector<std::string> migrate_checksums(TestDatabase& db) {
  std::vector<std::string> checksums;
  for (const auto& row : db.query("SELECT checksum FROM schema_migrations WHERE service = 'app' ORDER BY version")) {
    checksums.push_back(row[0]);
  }
  return checksums;
}

nlohmann::json json_of(const CliResult& result) {
  INFO(describe(result));
  REQUIRE(result.exit_code == 0);
  return nlohmann::json::parse(result.out);
}

}  // namespace

TEST_CASE(
    "a SQLite file drizzle-orm's migrator built is imported and adopted unchanged, and migrate carries on to "
    "what drizzle builds",
    "[peers][drizzle][sqlite][import][adopt]") {
  const fs::path peers = peers_dir();
  DrizzleProject drizzle(peers);
  drizzle.set_schema(k_schema_v1);
  drizzle.generate();
  CHECK_THAT(slurp(drizzle.out() / "meta" / "_journal.json"), Catch::Contains("\"dialect\": \"sqlite\""));

  auto production = make_test_database(migrate::Dialect::sqlite);
  drizzle.migrate_with_drizzle(*production);
  REQUIRE(production->query("SELECT id IS NULL, created_at IS NOT NULL FROM __drizzle_migrations") ==
          std::vector<std::vector<std::string>>{{"1", "1"}});
  production->exec("INSERT INTO users (name, age) VALUES ('ada', 36)");
  const std::string before = schema_of(*production);
  CHECK_THAT(before, Catch::Contains("index users_name_idx") && Catch::Contains("AUTOINCREMENT"));

  TestProject project;
  nlohmann::json document =
      json_of(project.run({"import", "drizzle", "app", drizzle.out().string(), "--json"}, production.get()));
  REQUIRE(document["written"].size() == 1);
  document = json_of(project.run({"adopt", "app", "--from", "drizzle", "--dry-run", "--json"}, production.get()));
  CHECK(document["table"] == "__drizzle_migrations");
  REQUIRE(document["matched"].size() == 1);
  CHECK(production->scalar("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'") == "0");
  document = json_of(project.run({"adopt", "app", "--from", "drizzle", "--journal", drizzle.out().string(), "--json"},
                                 production.get()));
  CHECK(document["recorded"] == true);
  CHECK(document["matched"][0]["version"] == "0000");
  CHECK(document["matched"][0]["matched_by"] == "journal");
  CHECK(schema_of(*production) == before);  // nothing ran
  CHECK(migrate_checksums(*production) == drizzle_hashes(*production));
  CHECK(json_of(project.run({"status", "--json"}, production.get()))["services"]["app"]["pending"] == 0);

  // The team keeps authoring with drizzle-kit: the next migration is imported and applied by migrate.
  drizzle.set_schema(k_schema_v2);
  drizzle.generate();
  document = json_of(project.run({"import", "drizzle", "app", drizzle.out().string(), "--json"}, production.get()));
  REQUIRE(document["written"].size() == 1);
  CHECK(document["written"][0]["version"] == "0001");
  CHECK(document["unchanged"].size() == 1);
  document = json_of(project.run({"up", "--yes", "--json"}, production.get()));
  CHECK(document["services"]["app"]["applied"] == nlohmann::json::array({"0001"}));
  CHECK(production->query("SELECT name, age, email IS NULL FROM users") ==
        std::vector<std::vector<std::string>>{{"ada", "36", "1"}});

  // drizzle's migrator builds a file from both migrations: the same schema, the same hashes.
  auto reference = make_test_database(migrate::Dialect::sqlite);
  drizzle.migrate_with_drizzle(*reference);
  CHECK(schema_of(*production) == schema_of(*reference));
  CHECK_THAT(schema_of(*reference), Catch::Contains("table posts") && Catch::Contains("`email` text"));
  CHECK(migrate_checksums(*production) == drizzle_hashes(*reference));
  CHECK(reference->scalar("SELECT count(*) FROM __drizzle_migrations WHERE id IS NULL") == "2");

  // Its two rows, with NULL ids, are adopted in created_at order, by content without the journal.
  document = json_of(project.run({"adopt", "app", "--from", "drizzle", "--json"}, reference.get()));
  REQUIRE(document["matched"].size() == 2);
  CHECK(document["matched"][0]["version"] == "0000");
  CHECK(document["matched"][1]["version"] == "0001");
  CHECK(migrate_checksums(*reference) == drizzle_hashes(*reference));

  // A fresh file from the imported files alone equals drizzle's too.
  auto by_migrate = make_test_database(migrate::Dialect::sqlite);
  REQUIRE_EXIT(project.run({"up", "--yes"}, by_migrate.get()), 0);
  CHECK(schema_of(*by_migrate) == schema_of(*reference));
}

TEST_CASE("a SQLite file drizzle migrated is not adopted with a migration it skipped, and nothing is written",
          "[peers][drizzle][sqlite][adopt]") {
  const fs::path peers = peers_dir();
  DrizzleProject drizzle(peers);
  drizzle.set_schema(k_schema_v1);
  drizzle.generate();
  drizzle.set_schema(k_schema_v2);
  drizzle.generate();
  auto db = make_test_database(migrate::Dialect::sqlite);
  drizzle.migrate_with_drizzle(*db);
  // The older row goes: drizzle's migrator would never run 0000 again (it only compares
  // the newest created_at), so migrate must not take it for applied.
  db->exec(
      "DELETE FROM __drizzle_migrations WHERE rowid = (SELECT rowid FROM __drizzle_migrations "
      "ORDER BY created_at, rowid LIMIT 1)");
  TestProject project;
  json_of(project.run({"import", "drizzle", "app", drizzle.out().string(), "--json"}, db.get()));
  const CliResult refused = project.run({"adopt", "app", "--from", "drizzle"}, db.get());
  CHECK_EXIT(refused, 4);
  CHECK_THAT(refused.err, Catch::Contains("0000_"));
  CHECK(db->scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('schema_migrations', 'migration_lock')") == "0");
}
