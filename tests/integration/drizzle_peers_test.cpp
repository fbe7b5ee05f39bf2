// drizzle-kit and drizzle-orm themselves against migrate: migrations that drizzle-kit
// generated, applied by drizzle's migrator on one database and imported and applied by
// migrate on another, give the same schema and the same checksums.
#include <catch2/catch.hpp>

#include <fstream>

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

const char* const k_pg_dump = "/usr/lib/postgresql/15/bin/pg_dump";

// The installed peers (deployment/lib/peers.sh); the test fails, never skips, without them.
fs::path peers_dir() {
  const char* dir = std::getenv("MIGRATE_PEERS_DIR");
  if (dir == nullptr || *dir == '\0') {
    FAIL(
        "MIGRATE_PEERS_DIR is not set: run the suite through deployment/test.sh, or source "
        "deployment/lib/peers.sh and run peers_install <build dir>");
  }
  const fs::path path(dir);
  if (!fs::is_regular_file(path / "node_modules" / "drizzle-kit" / "bin.cjs")) {
    FAIL("MIGRATE_PEERS_DIR=" << dir << " holds no drizzle-kit; run peers_install again");
  }
  return path;
}

const std::string k_schema_v1 =
    R"(import { index, integer, pgEnum, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";

export const mood = pgEnum("mood", ["sad", "ok", "happy"]);

export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  age: integer("age"),
  mood: mood("mood").default("ok"),
  createdAt: timestamp("created_at").defaultNow().notNull(),
}, (t) => [index("users_name_idx").on(t.name)]);
)";

// v1 plus a column and a table with a foreign key.
const std::string k_schema_v2 = k_schema_v1 + R"(
export const posts = pgTable("posts", {
  id: serial("id").primaryKey(),
  userId: integer("user_id").notNull().references(() => users.id),
  title: text("title").notNull(),
});
)";

const std::string k_schema_v2_users_email =
    R"(  createdAt: timestamp("created_at").defaultNow().notNull(),
  email: text("email"),
)";

const char* const k_config = R"(import { defineConfig } from "drizzle-kit";
export default defineConfig({ dialect: "postgresql", schema: "./schema.ts", out: "./drizzle" });
)";

// drizzle-orm's own migrator over node-postgres, as an application would run it.
const char* const k_migrator = R"(const { Pool } = require("pg");
const { drizzle } = require("drizzle-orm/node-postgres");
const { migrate } = require("drizzle-orm/node-postgres/migrator");
(async () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  try {
    await migrate(drizzle(pool), { migrationsFolder: "./drizzle" });
  } finally {
    await pool.end();
  }
})().catch((error) => { console.error(error); process.exit(1); });
)";

// A drizzle project folder: schema, config, migrator script, and the peers' node_modules.
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
    const CliResult result = node({"migrate_with_drizzle.cjs"}, {{"DATABASE_URL", db.url()}});
    INFO(describe(result));
    REQUIRE(result.exit_code == 0);
  }

 private:
  CliResult node(std::vector<std::string> args, std::map<std::string, std::string> env = {}) const {
    CliOptions options;
    options.cwd = m_dir.path();
    options.env = std::move(env);
    // node and npm keep their caches under HOME: a temporary one, never the user's.
    options.env["HOME"] = (m_dir.path() / "home").string();
    options.env["npm_config_cache"] = (m_dir.path() / "npm-cache").string();
    args.insert(args.begin(), "node");
    args.insert(args.begin(), "/usr/bin/env");
    return run_child(args, options);
  }

  fs::path m_peers;
  TempDir m_dir;
};

// pg_dump -s of db without drizzle's own schema and migrate's bookkeeping tables, and
// without pg_dump's per-run `\restrict <key>`/`\unrestrict` lines (15.14 and later).
std::string schema_dump(const TestDatabase& db) {
  const CliResult result = run_child({k_pg_dump, "--schema-only", "--no-owner", "--no-privileges",
                                      "--exclude-schema=drizzle", "--exclude-table=public.schema_migrations",
                                      "--exclude-table=public.migration_lock", "--dbname=" + db.url()});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  std::string dump;
  for (const std::string& line : split_lines(result.out)) {
    if (line.rfind("\\restrict", 0) == 0 || line.rfind("\\unrestrict", 0) == 0) continue;
    dump += line + "\n";
  }
  return dump;
}

std::vector<std::string> drizzle_hashes(TestDatabase& db) {
  std::vector<std::string> hashes;
  for (const auto& row : db.query("SELECT hash FROM drizzle.__drizzle_migrations ORDER BY created_at")) {
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

TEST_CASE("migrations drizzle-kit generated, imported and applied by migrate, equal drizzle's own",
          "[peers][drizzle][postgres]") {
  const fs::path peers = peers_dir();
  DrizzleProject drizzle(peers);
  drizzle.set_schema(k_schema_v1);
  drizzle.generate();

  auto by_drizzle = make_test_database(migrate::Dialect::postgres);
  auto by_migrate = make_test_database(migrate::Dialect::postgres);
  drizzle.migrate_with_drizzle(*by_drizzle);

  TestProject project;
  nlohmann::json imported =
      json_of(project.run({"import", "drizzle", "app", drizzle.out().string(), "--json"}, by_migrate.get()));
  REQUIRE(imported["written"].size() == 1);
  CHECK(imported["unchanged"].empty());
  CHECK(imported["unlisted"].empty());
  REQUIRE_EXIT(project.run({"up", "--yes"}, by_migrate.get()), 0);

  CHECK(schema_dump(*by_migrate) == schema_dump(*by_drizzle));
  CHECK_THAT(schema_dump(*by_migrate), Catch::Contains("users_name_idx") && Catch::Contains("TYPE public.mood"));
  CHECK(migrate_checksums(*by_migrate) == drizzle_hashes(*by_drizzle));
  REQUIRE(drizzle_hashes(*by_drizzle).size() == 1);

  // The schema changes; drizzle-kit writes a second migration; only it is imported and applied.
  std::string v2 = k_schema_v2;
  v2.replace(v2.find("  createdAt: timestamp(\"created_at\").defaultNow().notNull(),\n"),
             std::string("  createdAt: timestamp(\"created_at\").defaultNow().notNull(),\n").size(),
             k_schema_v2_users_email);
  drizzle.set_schema(v2);
  drizzle.generate();
  drizzle.migrate_with_drizzle(*by_drizzle);

  imported = json_of(project.run({"import", "drizzle", "app", drizzle.out().string(), "--json"}, by_migrate.get()));
  REQUIRE(imported["written"].size() == 1);
  CHECK(imported["written"][0]["version"] == "0001");
  CHECK(imported["unchanged"].size() == 1);
  const nlohmann::json up = json_of(project.run({"up", "--yes", "--json"}, by_migrate.get()));
  INFO(up.dump());
  CHECK(up["services"]["app"]["applied"] == nlohmann::json::array({"0001"}));

  CHECK(schema_dump(*by_migrate) == schema_dump(*by_drizzle));
  CHECK_THAT(schema_dump(*by_migrate), Catch::Contains("posts_user_id_users_id_fk") && Catch::Contains("email"));
  CHECK(migrate_checksums(*by_migrate) == drizzle_hashes(*by_drizzle));
  CHECK(drizzle_hashes(*by_drizzle).size() == 2);
}

TEST_CASE("a database drizzle-orm migrated is adopted without running anything, and migrate carries on from there",
          "[peers][drizzle][postgres][adopt]") {
  const fs::path peers = peers_dir();
  DrizzleProject drizzle(peers);
  drizzle.set_schema(k_schema_v1);
  drizzle.generate();
  auto production = make_test_database(migrate::Dialect::postgres);
  drizzle.migrate_with_drizzle(*production);

  TestProject project;
  json_of(project.run({"import", "drizzle", "app", drizzle.out().string(), "--json"}, production.get()));
  const nlohmann::json preview =
      json_of(project.run({"adopt", "app", "--from", "drizzle", "--dry-run", "--json"}, production.get()));
  REQUIRE(preview["matched"].size() == 1);
  CHECK(preview["matched"][0]["version"] == "0000");
  CHECK(production->scalar("SELECT to_regclass('public.schema_migrations') IS NULL") == "t");
  const std::string before = schema_dump(*production);

  const nlohmann::json adopted =
      json_of(project.run({"adopt", "app", "--from", "drizzle", "--json"}, production.get()));
  CHECK(adopted["recorded"] == true);
  CHECK(schema_dump(*production) == before);  // nothing ran
  CHECK(migrate_checksums(*production) == drizzle_hashes(*production));
  const nlohmann::json status = json_of(project.run({"status", "--json"}, production.get()));
  CHECK(status["services"]["app"]["pending"] == 0);

  // The team keeps authoring with drizzle-kit: the next migration is imported and applied by migrate.
  std::string v2 = k_schema_v2;
  v2.replace(v2.find("  createdAt: timestamp(\"created_at\").defaultNow().notNull(),\n"),
             std::string("  createdAt: timestamp(\"created_at\").defaultNow().notNull(),\n").size(),
             k_schema_v2_users_email);
  drizzle.set_schema(v2);
  drizzle.generate();
  json_of(project.run({"import", "drizzle", "app", drizzle.out().string(), "--json"}, production.get()));
  const nlohmann::json up = json_of(project.run({"up", "--yes", "--json"}, production.get()));
  CHECK(up["services"]["app"]["applied"] == nlohmann::json::array({"0001"}));
  auto reference = make_test_database(migrate::Dialect::postgres);
  drizzle.migrate_with_drizzle(*reference);
  CHECK(schema_dump(*production) == schema_dump(*reference));

  SECTION("a migration drizzle's table lacks below its newest is refused, and nothing is written") {
    auto skipped = make_test_database(migrate::Dialect::postgres);
    drizzle.migrate_with_drizzle(*skipped);
    skipped->exec(
        "DELETE FROM drizzle.__drizzle_migrations WHERE created_at = "
        "(SELECT min(created_at) FROM drizzle.__drizzle_migrations)");
    const CliResult refused = project.run({"adopt", "app", "--from", "drizzle"}, skipped.get());
    INFO(describe(refused));
    CHECK(refused.exit_code == 4);
    CHECK(contains(refused.err, "0000_"));
    CHECK(skipped->scalar("SELECT to_regclass('public.schema_migrations') IS NULL") == "t");
  }
  SECTION("a file edited after drizzle ran it is drift, named by its revision, and nothing is written") {
    auto tampered = make_test_database(migrate::Dialect::postgres);
    drizzle.migrate_with_drizzle(*tampered);
    for (const auto& entry : fs::directory_iterator(project.migrations())) {
      if (entry.path().filename().string().rfind("0000_", 0) == 0) {
        std::ofstream(entry.path(), std::ios::app) << "-- edited after drizzle ran it\n";
      }
    }
    const CliResult refused =
        project.run({"adopt", "app", "--from", "drizzle", "--journal", drizzle.out().string()}, tampered.get());
    INFO(describe(refused));
    CHECK(refused.exit_code == 4);
    CHECK(contains(refused.err, "(drift)"));
    CHECK(contains(refused.err, "0000_"));
    CHECK(tampered->scalar("SELECT to_regclass('public.schema_migrations') IS NULL") == "t");
  }
}
