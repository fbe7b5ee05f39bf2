// Another tool's schema_migrations in the target database (dbmate's, made by the real
// dbmate; golang-migrate's, made with its exact DDL): every command that reads or writes
// the history refuses it with exit 4, naming the tool and `[defaults] history_table`, and
// changes nothing; with history_table set, migrate works beside it and leaves it alone.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/cli_fixtures.hpp"

namespace migrate::test {

namespace {

namespace fs = std::filesystem;
using Args = std::vector<std::string>;
using Rows = std::vector<std::vector<std::string>>;

// The dbmate binary the npm package `dbmate` installs under MIGRATE_PEERS_DIR. Fails the
// test (never skips) when it is not there.
fs::path dbmate_binary() {
  const char* peers = std::getenv("MIGRATE_PEERS_DIR");
  if (peers == nullptr || *peers == '\0') {
    FAIL(
        "MIGRATE_PEERS_DIR is unset: run the suite through deployment/test.sh, or `npm install --prefix DIR "
        "dbmate` and set MIGRATE_PEERS_DIR=DIR");
  }
  const fs::path binary = fs::path(peers) / "node_modules" / ".bin" / "dbmate";
  if (!fs::exists(binary)) FAIL("no dbmate at " << binary << ": `npm install --prefix " << peers << " dbmate`");
  return binary;
}

// dbmate's spelling of a test database's URL.
std::string dbmate_url(const TestDatabase& db) {
  if (db.dialect() == Dialect::sqlite) return "sqlite:" + sqlite_file(db).string();
  const std::string url = db.url();
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "sslmode=disable";
}

// Runs `dbmate up` on db with the migrations written into folder (one file per entry).
void dbmate_up(const TestDatabase& db, const fs::path& folder) {
  const CliResult result = run_child({dbmate_binary().string(), "--url", dbmate_url(db), "--migrations-dir",
                                      folder.string(), "--no-dump-schema", "up"});
  REQUIRE_EXIT(result, 0);
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// The whole database as a test compares it: every object, and the foreign table's rows.
struct Snapshot {
  std::string schema;
  Rows rows;
  bool operator==(const Snapshot& other) const { return schema == other.schema && rows == other.rows; }
};

Snapshot snapshot(TestDatabase& db, const std::string& table = "schema_migrations") {
  return {db.schema(), db.query("SELECT * FROM " + table + " ORDER BY 1")};
}

std::ostream& operator<<(std::ostream& out, const Snapshot& snapshot) {
  out << snapshot.schema;
  for (const auto& row : snapshot.rows) {
    for (const auto& value : row) out << value << " ";
    out << "\n";
  }
  return out;
}

std::string joined(const Args& args) {
  std::string out;
  for (const std::string& arg : args) out += (out.empty() ? "" : " ") + arg;
  return out;
}

bool has_table(TestDatabase& db, const std::string& table) {
  return db.scalar(db.dialect() == Dialect::postgres
                       ? "SELECT count(*) FROM pg_tables WHERE tablename = '" + table + "'"
                       : "SELECT count(*) FROM sqlite_master WHERE name = '" + table + "'") != "0";
}

// Every command that reads or writes the history or the lock.
const std::vector<Args> k_history_commands = {
    {"status"},
    {"history"},
    {"current"},
    {"verify"},
    {"up", "--yes"},
    {"up", "--yes", "--dry-run"},
    {"down", "app", "--yes"},
    {"stamp", "app", "head"},
    {"repair", "app"},
    {"lock"},
    {"lock", "release", "--force", "--yes"},
};

// Each command, in human and in JSON form, exits 4 with the refusal naming `tool` and the
// setting, and the database and the backup folder stay as they were.
void check_every_command_refuses(const CliProject& project, TestDatabase& db, const std::string& tool) {
  const Snapshot before = snapshot(db);
  for (const Args& command : k_history_commands) {
    INFO("migrate " << joined(command));
    const CliResult human = project.run(command, &db);
    CHECK_EXIT(human, 4);
    CHECK(contains(human.err, "looks like " + tool + "'s history"));
    CHECK(contains(human.err, "[defaults] history_table = \"migrate_history\""));

    Args json = command;
    json.push_back("--json");
    const CliResult machine = project.run(json, &db);
    CHECK_EXIT(machine, 4);
    const nlohmann::json document = parse_json(machine);
    CHECK(document["success"] == false);
    CHECK(document["exit_code"] == 4);
    CHECK(contains(document.dump(), tool + "'s history"));

    CHECK(snapshot(db) == before);
  }
  CHECK_FALSE(has_table(db, "migration_lock"));
  CHECK(project.backup_entries().empty());
}

}  // namespace

TEST_CASE(
    "a schema_migrations made by dbmate is refused by every command, naming dbmate and history_table; "
    "with history_table set migrate works beside it",
    "[cli][postgres][sqlite][collision]") {
  for (Dialect dialect : {Dialect::postgres, Dialect::sqlite}) {
    INFO(to_string(dialect));
    auto db = make_test_database(dialect);
    CliProject project;
    project.add_table(1, "gadgets");
    const TempDir dbmate_dir;
    write_file(
        dbmate_dir.path() / "20240101000000_create_widgets.sql",
        "-- migrate:up\nCREATE TABLE widgets (id integer PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE widgets;\n");
    dbmate_up(*db, dbmate_dir.path());
    REQUIRE(db->query("SELECT version FROM schema_migrations") == Rows{{"20240101000000"}});

    check_every_command_refuses(project, *db, "dbmate");

    // Its own table: migrate runs beside dbmate's, which keeps its rows and its shape.
    project.set_manifest("[defaults]\nhistory_table = \"migrate_history\"\n\n" + service_toml("app"));
    const Rows dbmate_rows = db->query("SELECT * FROM schema_migrations ORDER BY 1");
    CHECK_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);
    CHECK(db->query("SELECT service, version FROM migrate_history") == Rows{{"app", "1"}});
    CHECK(has_table(*db, "gadgets"));
    CHECK(db->query("SELECT * FROM schema_migrations ORDER BY 1") == dbmate_rows);
    for (const Args& command : {Args{"status"}, Args{"history"}, Args{"current"}, Args{"verify"}, Args{"lock"}}) {
      CHECK_EXIT(project.run(command, db.get()), 0);
    }
    const nlohmann::json status = parse_json(project.run({"status", "--json"}, db.get()));
    check_service_status(status, "app", "up_to_date", "0001", "0001", 1, 0);

    // dbmate goes on with its own history undisturbed.
    write_file(dbmate_dir.path() / "20240102000000_create_sprockets.sql",
               "-- migrate:up\nCREATE TABLE sprockets (id integer);\n\n-- migrate:down\nDROP TABLE sprockets;\n");
    dbmate_up(*db, dbmate_dir.path());
    CHECK(db->query("SELECT version FROM schema_migrations ORDER BY 1") ==
          Rows{{"20240101000000"}, {"20240102000000"}});
    CHECK_EXIT(project.run({"down", "app", "--yes", "--no-backup"}, db.get()), 0);
    CHECK(db->query("SELECT count(*) FROM migrate_history") == Rows{{"0"}});
    CHECK_FALSE(has_table(*db, "gadgets"));
    CHECK(db->query("SELECT version FROM schema_migrations ORDER BY 1") ==
          Rows{{"20240101000000"}, {"20240102000000"}});
  }
}

TEST_CASE("a schema_migrations of golang-migrate's shape is refused by every command, naming golang-migrate",
          "[cli][postgres][sqlite][collision]") {
  for (Dialect dialect : {Dialect::postgres, Dialect::sqlite}) {
    INFO(to_string(dialect));
    auto db = make_test_database(dialect);
    CliProject project;
    project.add_table(1, "gadgets");
    // golang-migrate's own DDL (database/postgres and database/sqlite3 drivers).
    db->exec(dialect == Dialect::postgres
                 ? "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean "
                   "not null);INSERT INTO schema_migrations VALUES (20240101000000, false)"
                 : "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);"
                   "CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);"
                   "INSERT INTO schema_migrations VALUES (20240101000000, 0)");

    check_every_command_refuses(project, *db, "golang-migrate");

    project.set_manifest("[defaults]\nhistory_table = \"migrate_history\"\n\n" + service_toml("app"));
    const Rows rows = db->query("SELECT * FROM schema_migrations ORDER BY 1");
    CHECK_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);
    CHECK(db->query("SELECT service, version FROM migrate_history") == Rows{{"app", "1"}});
    CHECK(db->query("SELECT * FROM schema_migrations ORDER BY 1") == rows);
  }
}

TEST_CASE("a schema_migrations of no known tool's shape is refused as not migrate's", "[cli][sqlite][collision]") {
  auto db = make_test_database(Dialect::sqlite);
  CliProject project;
  project.add_table(1, "gadgets");
  db->exec("CREATE TABLE schema_migrations (id integer PRIMARY KEY, applied text)");
  const Snapshot before = snapshot(*db);
  for (const Args& command : k_history_commands) {
    const CliResult result = project.run(command, db.get());
    CHECK_EXIT(result, 4);
    CHECK(contains(result.err, "(columns: id, applied) is not migrate's history table"));
    CHECK(contains(result.err, "history_table"));
  }
  CHECK(snapshot(*db) == before);
}

}  // namespace migrate::test

namespace migrate::test {

TEST_CASE("setting history_table over a history kept in schema_migrations is refused until the table is renamed",
          "[cli][postgres][sqlite][collision]") {
  for (Dialect dialect : {Dialect::postgres, Dialect::sqlite}) {
    INFO(to_string(dialect));
    auto db = make_test_database(dialect);
    CliProject project;
    project.add_table(1, "gadgets");
    project.add_table(2, "widgets");
    REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup", "--to", "1"}, db.get()), 0);

    project.set_manifest("[defaults]\nhistory_table = \"migrate_history\"\n\n" + service_toml("app"));
    const Snapshot before = snapshot(*db);
    for (const Args& command : {Args{"status"}, Args{"up", "--yes", "--no-backup"}, Args{"stamp", "app", "head"}}) {
      const CliResult result = project.run(command, db.get());
      CHECK_EXIT(result, 4);
      CHECK(contains(result.err, "ALTER TABLE schema_migrations RENAME TO migrate_history"));
    }
    CHECK(snapshot(*db) == before);

    db->exec("ALTER TABLE schema_migrations RENAME TO migrate_history");
    check_service_status(parse_json(project.run({"status", "--json"}, db.get())), "app", "pending", "0001", "0002", 1,
                         1);
    CHECK_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);
    CHECK(db->query("SELECT version FROM migrate_history ORDER BY version") == Rows{{"1"}, {"2"}});
  }
}


TEST_CASE("a database dbmate migrated is adopted once migrate's history has a table of its own",
          "[cli][postgres][sqlite][collision][adopt]") {
  for (Dialect dialect : {Dialect::postgres, Dialect::sqlite}) {
    INFO(to_string(dialect));
    auto db = make_test_database(dialect);
    const TempDir dbmate_dir;
    write_file(dbmate_dir.path() / "20240101000000_create_widgets.sql",
               "-- migrate:up\nCREATE TABLE widgets (id integer PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE widgets;\n");
    write_file(dbmate_dir.path() / "20240102000000_create_sprockets.sql",
               "-- migrate:up\nCREATE TABLE sprockets (id integer);\n\n-- migrate:down\nDROP TABLE sprockets;\n");
    dbmate_up(*db, dbmate_dir.path());

    CliProject project;
    project.write("20240101000000_create_widgets.up.sql", "CREATE TABLE widgets (id integer PRIMARY KEY);\n");
    project.write("20240102000000_create_sprockets.up.sql", "CREATE TABLE sprockets (id integer);\n");
    project.write("20240103000000_create_gears.up.sql", "CREATE TABLE gears (id integer);\n");

    // Under the default name, migrate's history would be dbmate's table: refused, naming the way out.
    const CliResult collided = project.run({"adopt", "app", "--from", "dbmate"}, db.get());
    CHECK_EXIT(collided, 4);
    CHECK(contains(collided.err, "history_table"));

    project.set_manifest("[defaults]\nhistory_table = \"migrate_history\"\n\n" + service_toml("app"));
    const nlohmann::json adopted = parse_json(project.run({"adopt", "app", "--from", "dbmate", "--json"}, db.get()));
    CHECK(adopted["success"] == true);
    REQUIRE(adopted["matched"].size() == 2);
    CHECK(adopted["matched"][1]["version"] == "20240102000000");
    CHECK(adopted["pending"] == nlohmann::json::array({"20240103000000"}));
    CHECK(db->query("SELECT version FROM migrate_history ORDER BY 1") ==
          Rows{{"20240101000000"}, {"20240102000000"}});
    CHECK_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);
    CHECK(has_table(*db, "gears"));
    CHECK(db->query("SELECT version FROM schema_migrations ORDER BY 1") ==
          Rows{{"20240101000000"}, {"20240102000000"}});  // dbmate's, untouched
  }
}

TEST_CASE("a database golang-migrate migrated is adopted up to its version; a dirty one is refused",
          "[cli][postgres][collision][adopt]") {
  auto db = make_test_database(Dialect::postgres);
  CliProject project("[defaults]\nhistory_table = \"migrate_history\"\n\n" + service_toml("app"));
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  project.add_table(3, "gamma");
  db->exec("CREATE TABLE alpha (id integer); CREATE TABLE beta (id integer);"
           "CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null);"
           "INSERT INTO schema_migrations VALUES (2, true)");
  const CliResult dirty = project.run({"adopt", "app", "--from", "golang-migrate"}, db.get());
  CHECK_EXIT(dirty, 4);
  CHECK(contains(dirty.err, "dirty"));
  CHECK_FALSE(has_table(*db, "migrate_history"));

  db->exec("UPDATE schema_migrations SET dirty = false");
  const nlohmann::json adopted =
      parse_json(project.run({"adopt", "app", "--from", "golang-migrate", "--json"}, db.get()));
  CHECK(adopted["success"] == true);
  CHECK(adopted["matched"].size() == 2);
  CHECK(adopted["pending"] == nlohmann::json::array({"0003"}));
  CHECK(db->query("SELECT version FROM migrate_history ORDER BY 1") == Rows{{"1"}, {"2"}});
}

}  // namespace migrate::test
