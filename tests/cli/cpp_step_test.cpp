// C++ steps through the built binary, on a copy of the repository's own tree: the
// discord-bot permission backfill (0005) and its column drop (0006), the raw_settings
// normaliser (0008), a binary older or newer than the tree, drift after a step's source
// changed, and the skeleton `migrate new --cpp` writes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/cli_fixtures.hpp"
#include "migrate/util/child_process.hpp"
#include "migrate/util/file_io.hpp"
#include "migrate/util/sha256.hpp"

using migrate::Dialect;
using namespace migrate::test;
namespace fs = std::filesystem;
using Rows = std::vector<std::vector<std::string>>;

namespace {

const std::string k_service = "discord-bot";
const std::string k_backfill = "0005_backfill_permission_ranks";
const std::string k_normaliser = "0008_normalise_raw_settings";

// A copy of the repository's migrate.toml and services/ in a temporary folder, run with
// DISCORD_BOT_DATABASE_URL pointing at a test database.
class RealTree {
 public:
  RealTree() {
    const fs::path source(MIGRATE_SOURCE_DIR);
    REQUIRE(fs::is_regular_file(source / "migrate.toml"));
    REQUIRE(fs::is_directory(source / "services"));
    fs::copy_file(source / "migrate.toml", m_dir.path() / "migrate.toml");
    fs::copy(source / "services", m_dir.path() / "services", fs::copy_options::recursive);
  }

  const fs::path& dir() const { return m_dir.path(); }
  fs::path migrations() const { return dir() / "services" / k_service / "migrations"; }

  CliResult run(std::vector<std::string> args, const TestDatabase* db) const {
    CliOptions options;
    if (db != nullptr) options.env["DISCORD_BOT_DATABASE_URL"] = db->url();
    args.insert(args.begin(), {"--config", (dir() / "migrate.toml").string()});
    CliResult result = run_migrate(args, options);
    if (db != nullptr) check_no_password(result, db->url());
    return result;
  }

  // The highest revision version in the discord-bot folder.
  int last_version() const {
    int last = 0;
    for (const auto& entry : fs::directory_iterator(migrations())) {
      const std::string name = entry.path().filename().string();
      if (name.size() > 5 && name[4] == '_' && name.find_first_not_of("0123456789") == 4) {
        last = std::max(last, std::stoi(name.substr(0, 4)));
      }
    }
    return last;
  }

 private:
  TempDir m_dir;
};

std::string output_of(const CliResult& result) { return result.out + result.err; }

// The (guild, rank, name, description) of every permission rank.
Rows ranks(TestDatabase& db) {
  return db.query("SELECT guild_id, rank, name, description FROM permission_ranks ORDER BY guild_id, rank");
}

// The (guild, rank, role) of every assignment, through the rank it points at.
Rows assignments(TestDatabase& db) {
  return db.query(
      "SELECT a.guild_id, r.rank, a.role_id FROM permission_assignments a"
      " JOIN permission_ranks r ON r.id = a.permission_rank_id AND r.guild_id = a.guild_id"
      " ORDER BY a.guild_id, r.rank, a.role_id");
}

// (guild, rank, name, description, role) of every rank with its assigned roles.
Rows rank_tuples(TestDatabase& db) {
  return db.query(
      "SELECT r.guild_id, r.rank, r.name, r.description, a.role_id FROM permission_ranks r"
      " LEFT JOIN permission_assignments a ON a.permission_rank_id = r.id"
      " ORDER BY r.guild_id, r.rank, a.role_id");
}

const std::string k_levels =
    "perm_level_0_role_id, perm_level_1_role_id, perm_level_2_role_id, perm_level_3_role_id, "
    "perm_level_4_role_id, perm_level_5_role_id, perm_level_6_role_id, perm_level_7_role_id";

Rows legacy_levels(TestDatabase& db) {
  return db.query("SELECT guild_id, " + k_levels + " FROM guild_config ORDER BY guild_id");
}

int legacy_column_count(TestDatabase& db) {
  return std::stoi(db.scalar(
      db.dialect() == Dialect::postgres
          ? "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'"
            " AND table_name = 'guild_config' AND column_name LIKE 'perm\\_level\\_%'"
          : "SELECT count(*) FROM pragma_table_info('guild_config') WHERE name LIKE 'perm_level_%'"));
}

bool has_table(TestDatabase& db, const std::string& table) {
  const std::vector<std::string> tables = db.user_tables();
  return std::find(tables.begin(), tables.end(), table) != tables.end();
}

// Snowflake-sized ids (beyond 32 bits), as Discord has them.
const std::string G1 = "800000000000000101";
const std::string G2 = "800000000000000102";
const std::string G3 = "800000000000000103";
const std::string G4 = "800000000000000104";

// Three guilds with legacy levels (some null, one role at levels 1 and 3 of G2), one with
// none, and two ranks made by hand before the backfill: G1 rank 5 (no legacy level) and G3
// rank 4 (a legacy level the backfill must reuse).
void seed_guild_config(TestDatabase& db) {
  db.exec("INSERT INTO guild (guild_id) VALUES (" + G1 + "), (" + G2 + "), (" + G3 + "), (" + G4 + ");"
          "INSERT INTO guild_config (guild_id, perm_level_0_role_id, perm_level_2_role_id, perm_level_7_role_id)"
          " VALUES (" + G1 + ", 900000000000001010, 900000000000001012, 900000000000001017);"
          "INSERT INTO guild_config (guild_id, perm_level_1_role_id, perm_level_3_role_id, perm_level_5_role_id)"
          " VALUES (" + G2 + ", 900000000000002021, 900000000000002021, 900000000000002025);"
          "INSERT INTO guild_config (guild_id, perm_level_4_role_id) VALUES (" + G3 + ", 900000000000003034);"
          "INSERT INTO guild_config (guild_id) VALUES (" + G4 + ");"
          "INSERT INTO permission_ranks (guild_id, rank, name, description) VALUES"
          " (" + G1 + ", 5, 'Manual', 'made by hand'), (" + G3 + ", 4, 'Moderators', 'kept from before');");
}

Rows pre_existing_ranks() {
  return {{G1, "5", "Manual", "made by hand"}, {G3, "4", "Moderators", "kept from before"}};
}

// What 0005 must leave: a rank per non-null level (the hand-made G3 rank 4 reused), the
// lower level winning for G2's repeated role, and one assignment per (guild, role).
Rows expected_ranks() {
  return {{G1, "0", "Rank 0", "Migrated permission rank 0"},
          {G1, "2", "Rank 2", "Migrated permission rank 2"},
          {G1, "5", "Manual", "made by hand"},
          {G1, "7", "Rank 7", "Migrated permission rank 7"},
          {G2, "1", "Rank 1", "Migrated permission rank 1"},
          // G2's role 2021 is set at levels 1 and 3: it is assigned to rank 1 only (a role
          // holds one rank per guild), but rank 3 exists like every other non-null level.
          {G2, "3", "Rank 3", "Migrated permission rank 3"},
          {G2, "5", "Rank 5", "Migrated permission rank 5"},
          {G3, "4", "Moderators", "kept from before"}};
}

Rows expected_assignments() {
  return {{G1, "0", "900000000000001010"}, {G1, "2", "900000000000001012"}, {G1, "7", "900000000000001017"},
          {G2, "1", "900000000000002021"}, {G2, "5", "900000000000002025"}, {G3, "4", "900000000000003034"}};
}

}  // namespace

TEST_CASE("the permission backfill makes exactly the expected ranks, down removes exactly them, up again is identical",
          "[step][cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  RealTree tree;
  auto db = make_test_database(dialect);

  REQUIRE_EXIT(tree.run({"up", k_service, "--to", "4", "--yes"}, db.get()), 0);
  REQUIRE(db->history(k_service).size() == 4);
  seed_guild_config(*db);
  const Rows seeded_levels = legacy_levels(*db);
  const Rows hand_made_ids =
      db->query("SELECT id, guild_id, rank FROM permission_ranks ORDER BY guild_id, rank");
  REQUIRE(ranks(*db) == pre_existing_ranks());

  const CliResult up = tree.run({"up", k_service, "--to", "5", "--yes"}, db.get());
  REQUIRE_EXIT(up, 0);
  CHECK_THAT(output_of(up), Catch::Contains(k_backfill));
  CHECK(db->history(k_service).back() == "5:backfill_permission_ranks");
  CHECK(db->scalar("SELECT kind FROM schema_migrations WHERE version = 5") == "cpp");
  CHECK(ranks(*db) == expected_ranks());
  CHECK(assignments(*db) == expected_assignments());
  // The hand-made ranks keep their ids; G3's assignment points at the reused rank.
  CHECK(db->query("SELECT id, guild_id, rank FROM permission_ranks WHERE name IN ('Manual', 'Moderators')"
                  " ORDER BY guild_id, rank") == hand_made_ids);
  CHECK(db->scalar("SELECT count(*) FROM permission_assignments a JOIN permission_ranks r"
                   " ON r.id = a.permission_rank_id WHERE r.name = 'Moderators'") == "1");
  CHECK(legacy_levels(*db) == seeded_levels);
  const Rows first_tuples = rank_tuples(*db);

  const CliResult down = tree.run({"down", k_service, "--yes"}, db.get());
  REQUIRE_EXIT(down, 0);
  CHECK(db->history(k_service).size() == 4);
  CHECK(ranks(*db) == pre_existing_ranks());
  CHECK(db->query("SELECT id, guild_id, rank FROM permission_ranks ORDER BY guild_id, rank") == hand_made_ids);
  CHECK(db->scalar("SELECT count(*) FROM permission_assignments") == "0");
  CHECK(legacy_levels(*db) == seeded_levels);
  CHECK_FALSE(has_table(*db, "permission_rank_backfill"));

  REQUIRE_EXIT(tree.run({"up", k_service, "--to", "5", "--yes"}, db.get()), 0);
  CHECK(rank_tuples(*db) == first_tuples);
  CHECK(ranks(*db) == expected_ranks());
  CHECK(assignments(*db) == expected_assignments());

  // 0006 drops the legacy columns; its down brings them back with their values.
  REQUIRE(legacy_column_count(*db) == 8);
  REQUIRE_EXIT(tree.run({"up", k_service, "--to", "6", "--yes"}, db.get()), 0);
  CHECK(legacy_column_count(*db) == 0);
  CHECK(ranks(*db) == expected_ranks());
  REQUIRE_EXIT(tree.run({"down", k_service, "--yes"}, db.get()), 0);
  CHECK(db->history(k_service).back() == "5:backfill_permission_ranks");
  CHECK(legacy_column_count(*db) == 8);
  const Rows restored = legacy_levels(*db);
  REQUIRE(restored.size() == seeded_levels.size());
  for (std::size_t guild = 0; guild < restored.size(); ++guild) {
    INFO("guild_config row " << guild << " (guild_id " << seeded_levels[guild][0] << ")");
    for (std::size_t column = 0; column < restored[guild].size(); ++column) {
      // G2's level 3 held the role of its level 1; see the next test.
      if (seeded_levels[guild][0] == G2 && column == 4) continue;
      INFO("column " << column);
      CHECK(restored[guild][column] == seeded_levels[guild][column]);
    }
  }
}

TEST_CASE("a role set at two legacy levels comes back at both after up to 0006 and down to 0004",
          "[step][cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  RealTree tree;
  auto db = make_test_database(dialect);
  REQUIRE_EXIT(tree.run({"up", k_service, "--to", "4", "--yes"}, db.get()), 0);
  seed_guild_config(*db);
  const Rows seeded_levels = legacy_levels(*db);

  REQUIRE_EXIT(tree.run({"up", k_service, "--to", "6", "--yes"}, db.get()), 0);
  REQUIRE_EXIT(tree.run({"down", k_service, "--to", "4", "--yes"}, db.get()), 0);
  CHECK(db->history(k_service).size() == 4);
  CHECK(ranks(*db) == pre_existing_ranks());
  INFO("guild " << G2 << " had role 900000000000002021 at levels 1 and 3");
  CHECK(legacy_levels(*db) == seeded_levels);
}

namespace {

// raw_settings as import-kv stages it: key TEXT PRIMARY KEY, value JSONB / TEXT.
void create_raw_settings(TestDatabase& db) {
  db.exec(std::string("CREATE TABLE raw_settings (key TEXT PRIMARY KEY, value ") +
          (db.dialect() == Dialect::postgres ? "JSONB" : "TEXT") + " NOT NULL)");
}

// text as a SQL string literal.
std::string literal(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

void add_raw_setting(TestDatabase& db, const std::string& key, const std::string& json) {
  db.exec("INSERT INTO raw_settings (key, value) VALUES (" + literal(key) + ", " + literal(json) + ")");
}

// Guild 200 exists before the import with its own config and one mod role; guild 999 is
// not in the export at all.
void seed_existing_guilds(TestDatabase& db) {
  db.exec(
      "INSERT INTO guild (guild_id) VALUES (200), (999);"
      "INSERT INTO guild_config (guild_id, prefix, mod_log_id) VALUES (200, '!', 555), (999, '>', NULL);"
      "INSERT INTO guild_mod_roles (guild_id, role_id) VALUES (200, 7000);");
}

// Everything the normaliser may touch, rows and schema, for before/after comparisons.
struct Snapshot {
  std::string schema;
  Rows guilds;
  Rows configs;
  Rows mod_roles;
  Rows raw;
  std::vector<std::string> history;
  bool operator==(const Snapshot& other) const {
    return schema == other.schema && guilds == other.guilds && configs == other.configs &&
           mod_roles == other.mod_roles && raw == other.raw && history == other.history;
  }
};

std::ostream& operator<<(std::ostream& out, const Rows& rows) {
  for (const auto& row : rows) {
    out << " (";
    for (std::size_t i = 0; i < row.size(); ++i) out << (i ? ", " : "") << row[i];
    out << ")";
  }
  return out;
}

std::ostream& operator<<(std::ostream& out, const Snapshot& s) {
  out << "guilds" << s.guilds << "\nconfigs" << s.configs << "\nmod roles" << s.mod_roles << "\nhistory";
  for (const auto& h : s.history) out << " " << h;
  return out << "\nschema:\n" << s.schema;
}

Snapshot snapshot(TestDatabase& db) {
  Snapshot s;
  s.schema = db.schema();
  s.guilds = db.query("SELECT * FROM guild ORDER BY guild_id");
  s.configs = db.query("SELECT * FROM guild_config ORDER BY guild_id");
  s.mod_roles = db.query("SELECT * FROM guild_mod_roles ORDER BY guild_id, role_id");
  if (has_table(db, "raw_settings")) s.raw = db.query("SELECT key, value FROM raw_settings ORDER BY key");
  s.history = db.history(k_service);
  return s;
}

}  // namespace

TEST_CASE("the raw_settings normaliser writes guild_config and guild_mod_roles, and down restores the previous state",
          "[step][cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  RealTree tree;
  auto db = make_test_database(dialect);
  REQUIRE_EXIT(tree.run({"up", k_service, "--to", "7", "--yes"}, db.get()), 0);
  seed_existing_guilds(*db);
  create_raw_settings(*db);
  add_raw_setting(*db, "200",
                  R"({"prefix": "?", "modLogChannel": "800000000000000201", "modRoles": ["7000", "7001"]})");
  add_raw_setting(*db, "300", R"({"prefix": "%%", "modRoles": ["7300", "7301"]})");
  add_raw_setting(*db, "450", R"({"prefix": "it's", "modRoles": null, "somethingElse": true})");
  add_raw_setting(*db, "712345678901234567", R"({"modLogChannel": "800000000000000401", "modRoles": []})");
  const Snapshot before = snapshot(*db);

  const CliResult up = tree.run({"up", k_service, "--yes"}, db.get());
  REQUIRE_EXIT(up, 0);
  CHECK_THAT(output_of(up), Catch::Contains(k_normaliser));
  CHECK(db->history(k_service).back() == "8:normalise_raw_settings");
  CHECK(db->query("SELECT guild_id FROM guild ORDER BY guild_id") ==
        Rows{{"200"}, {"300"}, {"450"}, {"999"}, {"712345678901234567"}});
  CHECK(db->query("SELECT guild_id, prefix, mod_log_id FROM guild_config ORDER BY guild_id") ==
        Rows{{"200", "?", "800000000000000201"},
             {"300", "%%", "NULL"},
             {"450", "it's", "NULL"},
             {"999", ">", "NULL"},
             {"712345678901234567", "$", "800000000000000401"}});
  CHECK(db->query("SELECT guild_id, role_id FROM guild_mod_roles ORDER BY guild_id, role_id") ==
        Rows{{"200", "7000"}, {"200", "7001"}, {"300", "7300"}, {"300", "7301"}});
  // The staged rows stay for a later cleanup.
  CHECK(db->query("SELECT key, value FROM raw_settings ORDER BY key") == before.raw);

  const CliResult down = tree.run({"down", k_service, "--yes"}, db.get());
  REQUIRE_EXIT(down, 0);
  CHECK(snapshot(*db) == before);
  CHECK(db->scalar("SELECT prefix || ' ' || mod_log_id FROM guild_config WHERE guild_id = 200") == "! 555");
}

TEST_CASE("the normaliser fails validation on two keys of one guild and changes nothing", "[step][cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  RealTree tree;
  auto db = make_test_database(dialect);
  REQUIRE_EXIT(tree.run({"up", k_service, "--to", "7", "--yes"}, db.get()), 0);
  seed_existing_guilds(*db);
  create_raw_settings(*db);
  add_raw_setting(*db, "200", R"({"prefix": "?", "modRoles": ["7001"]})");
  add_raw_setting(*db, "111", R"({"prefix": "a", "modRoles": ["1101"]})");
  add_raw_setting(*db, "0111", R"({"prefix": "b", "modRoles": ["1102"]})");
  const Snapshot before = snapshot(*db);
  REQUIRE(before.history.back() == "7:guild_mod_roles");

  const CliResult up = tree.run({"up", k_service, "--yes"}, db.get());
  CHECK_EXIT(up, 1);
  CHECK_THAT(output_of(up), Catch::Contains("validation failed"));
  CHECK_THAT(output_of(up), Catch::Contains(k_normaliser));
  CHECK(snapshot(*db) == before);
  CHECK_FALSE(has_table(*db, "settings_import"));
}

TEST_CASE("the normaliser does nothing when no raw_settings table was staged", "[step][cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  RealTree tree;
  auto db = make_test_database(dialect);
  REQUIRE_EXIT(tree.run({"up", k_service, "--to", "7", "--yes"}, db.get()), 0);
  seed_existing_guilds(*db);
  Snapshot before = snapshot(*db);

  REQUIRE_EXIT(tree.run({"up", k_service, "--yes"}, db.get()), 0);
  Snapshot after = snapshot(*db);
  CHECK(after.history.back() == "8:normalise_raw_settings");
  after.history = before.history;
  CHECK(after == before);

  REQUIRE_EXIT(tree.run({"down", k_service, "--yes"}, db.get()), 0);
  CHECK(snapshot(*db) == before);
}

TEST_CASE("a tree whose C++ steps do not match the binary is refused with exit 2 before any change",
          "[step][cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  RealTree tree;
  auto db = make_test_database(dialect);
  const fs::path step_file = tree.migrations() / (k_backfill + ".cpp");
  REQUIRE(fs::is_regular_file(step_file));
  const DatabaseState empty = capture(*db, k_service);

  std::string expected;
  SECTION("a step whose source was edited") {
    std::ofstream(step_file, std::ios::app) << "// an edit the binary has not seen\n";
    expected = "changed since this migrate binary was built";
  }
  SECTION("a compiled step whose file was deleted") {
    fs::remove(step_file);
    expected = "file is missing";
  }
  SECTION("a new step the binary does not have") {
    const std::string name = stem(tree.last_version() + 1, "x") + ".cpp";
    std::ofstream(tree.migrations() / name) << "#include \"migrate/step/step.hpp\"\n"
                                               "namespace {\nvoid up(migrate::step::Session&) {}\n}\n"
                                               "MIGRATE_STEP(up);\n";
    expected = "not compiled into this migrate binary";
  }

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"status", k_service}, std::vector<std::string>{"up", k_service, "--yes"},
        std::vector<std::string>{"up", "--yes"}, std::vector<std::string>{"verify", k_service}}) {
    INFO("migrate " << args[0] << (args.size() > 1 ? " " + args[1] : ""));
    const CliResult result = tree.run(args, db.get());
    CHECK_EXIT(result, 2);
    CHECK_THAT(output_of(result), Catch::Contains(expected));
    CHECK(capture(*db, k_service) == empty);
    if (dialect == Dialect::sqlite) CHECK_FALSE(fs::exists(sqlite_file(*db)));
    // `up` of every service stopped before touching the other services' databases either.
    CHECK_FALSE(fs::exists(tree.dir() / "var"));
  }
}

TEST_CASE("the recorded checksum of a C++ step is its source's SHA-256, and a different one is drift",
          "[step][cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  RealTree tree;
  auto db = make_test_database(dialect);
  REQUIRE_EXIT(tree.run({"up", k_service, "--to", "5", "--yes"}, db.get()), 0);

  const std::string source_checksum =
      migrate::util::sha256_hex(migrate::util::read_file(tree.migrations() / (k_backfill + ".cpp")));
  CHECK(db->scalar("SELECT checksum FROM schema_migrations WHERE version = 5") == source_checksum);
  CHECK_EXIT(tree.run({"verify", k_service}, db.get()), 0);

  // A binary rebuilt from an edited step embeds another checksum than the one recorded.
  const std::string rebuilt(64, 'a');
  db->exec("UPDATE schema_migrations SET checksum = '" + rebuilt + "' WHERE service = '" + k_service +
           "' AND version = 5");
  const CliResult verify = tree.run({"verify", k_service}, db.get());
  CHECK_EXIT(verify, 4);
  CHECK_THAT(output_of(verify), Catch::Contains(k_backfill));
  CHECK_EXIT(tree.run({"up", k_service, "--yes"}, db.get()), 4);
  CHECK(db->history(k_service).size() == 5);
}

TEST_CASE("migrate new --cpp writes a step skeleton that compiles", "[step][cli]") {
  RealTree tree;
  const int next = tree.last_version() + 1;
  const std::string name = stem(next, "try_it");
  const CliResult created = tree.run({"new", k_service, "try_it", "--cpp"}, nullptr);
  REQUIRE_EXIT(created, 0);
  const fs::path file = tree.migrations() / (name + ".cpp");
  REQUIRE(fs::is_regular_file(file));
  CHECK_THAT(created.out, Catch::Contains(file.string()));
  CHECK_THAT(created.out, Catch::Contains("rebuild migrate"));

  const char* cxx_variable = std::getenv("CXX");
  const std::string cxx = cxx_variable != nullptr && *cxx_variable != '\0' ? cxx_variable : "c++";
  std::optional<fs::path> compiler;
  if (cxx.find('/') != std::string::npos) compiler = fs::path(cxx);
  else compiler = migrate::util::find_executable(cxx);
  REQUIRE(compiler.has_value());

  const std::string checksum = migrate::util::sha256_hex(migrate::util::read_file(file));
  const std::vector<std::string> argv{compiler->string(),
                                      "-std=c++17",
                                      "-fsyntax-only",
                                      "-Wall",
                                      "-Wextra",
                                      "-Wpedantic",
                                      "-Wshadow",
                                      "-Wconversion",
                                      "-Werror",
                                      "-I" + (fs::path(MIGRATE_SOURCE_DIR) / "include").string(),
                                      "-DMIGRATE_STEP_SERVICE=\"" + k_service + "\"",
                                      "-DMIGRATE_STEP_VERSION=" + std::to_string(next) + "LL",
                                      "-DMIGRATE_STEP_NAME=\"try_it\"",
                                      "-DMIGRATE_STEP_FILE=\"" + file.string() + "\"",
                                      "-DMIGRATE_STEP_CHECKSUM=\"" + checksum + "\"",
                                      file.string()};
  const migrate::util::ProcessResult compiled = migrate::util::run_process(argv);
  INFO("compiler stderr:\n" << compiled.stderr_text);
  CHECK(compiled.exit_code == 0);

  // Until migrate is rebuilt, the new file is a step this binary does not have.
  const CliResult status = tree.run({"status", k_service}, nullptr);
  CHECK_EXIT(status, 2);
  CHECK_THAT(output_of(status), Catch::Contains("not compiled into this migrate binary"));
}
