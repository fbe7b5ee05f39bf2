// Loading a service's migrations folder from real files.
#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"


#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "migrate/source/revision_directory.hpp"
#include "migrate/source/revision_skeleton.hpp"
#include "migrate/source/statement_lexer.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/sha256.hpp"

namespace fs = std::filesystem;
using namespace std::string_literals;
using migrate::ConfigError;
using migrate::Dialect;
using migrate::Revision;
using migrate::source::load_revisions;
using migrate::source::scan_revision_files;
using migrate::util::sha256_hex;

namespace {

std::string config_error_of(const fs::path& dir, Dialect dialect = Dialect::sqlite) {
  try {
    load_revisions(dir, dialect);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("no ConfigError loading " << dir);
  return {};
}

std::vector<std::string> labels_of(const std::vector<Revision>& revisions) {
  std::vector<std::string> labels;
  for (const Revision& revision : revisions) labels.push_back(revision.label());
  return labels;
}

}  // namespace

TEST_CASE("revisions load in ascending version order whatever the file order", "[unit]") {
  migrate::test::TempDir folder;
  folder.write("0010_add_index.up.sql", "CREATE INDEX i ON t (x);\n");
  folder.write("0002_add_column.up.sql", "ALTER TABLE t ADD COLUMN x INTEGER;\n");
  folder.write("0002_add_column.down.sql", "ALTER TABLE t DROP COLUMN x;\n");
  folder.write("0001_create_table.up.sql", "CREATE TABLE t (id INTEGER);\n");
  folder.write("0001_create_table.down.sql", "DROP TABLE t;\n");
  folder.write("10000_five_digits.up.sql", "SELECT 1;\n");

  const auto revisions = load_revisions(folder.path(), Dialect::sqlite);
  CHECK(labels_of(revisions) ==
        std::vector<std::string>{"0001_create_table", "0002_add_column", "0010_add_index", "10000_five_digits"});
  const Revision& first = revisions.front();
  CHECK(first.version == 1);
  CHECK(first.name == "create_table");
  CHECK(first.kind == migrate::RevisionKind::sql);
  CHECK(first.up.path == folder.path() / "0001_create_table.up.sql");
  CHECK(first.up.sql == "CREATE TABLE t (id INTEGER);\n");
  REQUIRE(first.down);
  CHECK(first.down->path == folder.path() / "0001_create_table.down.sql");
  CHECK(first.down->sql == "DROP TABLE t;\n");
}

TEST_CASE("scan_revision_files lists revision files sorted by version then file name", "[unit]") {
  migrate::test::TempDir folder;
  folder.write("0002_b.up.sql", "SELECT 2;");
  folder.write("0001_a.up.sql", "SELECT 1;");
  folder.write("0001_a.down.sql", "SELECT 1;");
  folder.write("README.md", "not a revision");
  const auto files = scan_revision_files(folder.path());
  REQUIRE(files.size() == 3);
  CHECK(files[0].path.filename() == "0001_a.down.sql");
  CHECK(files[1].path.filename() == "0001_a.up.sql");
  CHECK(files[2].path.filename() == "0002_b.up.sql");
}

TEST_CASE("a revision without a down file is irreversible", "[unit]") {
  migrate::test::TempDir folder;
  folder.write("0001_one_way.up.sql", "DROP TABLE legacy;\n");
  const auto revisions = load_revisions(folder.path(), Dialect::postgres);
  REQUIRE(revisions.size() == 1);
  CHECK_FALSE(revisions[0].down);
}

TEST_CASE("a dialect variant wins over the generic file of the same direction", "[unit]") {
  migrate::test::TempDir folder;
  folder.write("0001_init.up.sql", "CREATE TABLE t (id INTEGER);\n");
  folder.write("0001_init.up.postgres.sql", "CREATE TABLE t (id BIGSERIAL);\n");
  folder.write("0001_init.down.sql", "DROP TABLE t;\n");
  folder.write("0001_init.down.sqlite.sql", "DROP TABLE IF EXISTS t;\n");

  const auto postgres = load_revisions(folder.path(), Dialect::postgres);
  REQUIRE(postgres.size() == 1);
  CHECK(postgres[0].up.path.filename() == "0001_init.up.postgres.sql");
  CHECK(postgres[0].up.sql == "CREATE TABLE t (id BIGSERIAL);\n");
  CHECK(postgres[0].checksum == sha256_hex("CREATE TABLE t (id BIGSERIAL);\n"));
  REQUIRE(postgres[0].down);
  CHECK(postgres[0].down->path.filename() == "0001_init.down.sql");

  const auto sqlite = load_revisions(folder.path(), Dialect::sqlite);
  REQUIRE(sqlite.size() == 1);
  CHECK(sqlite[0].up.path.filename() == "0001_init.up.sql");
  CHECK(sqlite[0].checksum == sha256_hex("CREATE TABLE t (id INTEGER);\n"));
  REQUIRE(sqlite[0].down);
  CHECK(sqlite[0].down->path.filename() == "0001_init.down.sqlite.sql");
}

TEST_CASE("the checksum is the SHA-256 of the up file with CRLF normalised to LF", "[unit]") {
  const std::string lf = "CREATE TABLE t (\n  id INTEGER\n);\n";
  const std::string crlf = "CREATE TABLE t (\r\n  id INTEGER\r\n);\r\n";
  migrate::test::TempDir lf_folder;
  migrate::test::TempDir crlf_folder;
  lf_folder.write("0001_t.up.sql", lf);
  crlf_folder.write("0001_t.up.sql", crlf);
  crlf_folder.write("0001_t.down.sql", "DROP TABLE t;\r\n");

  const auto from_lf = load_revisions(lf_folder.path(), Dialect::sqlite);
  const auto from_crlf = load_revisions(crlf_folder.path(), Dialect::sqlite);
  REQUIRE(from_lf.size() == 1);
  REQUIRE(from_crlf.size() == 1);
  CHECK(from_lf[0].checksum == sha256_hex(lf));
  CHECK(from_crlf[0].checksum == from_lf[0].checksum);
  CHECK(from_crlf[0].checksum != sha256_hex(crlf));
  CHECK(from_crlf[0].checksum.size() == 64);
}

TEST_CASE("editing the up file changes the checksum but editing the down file does not", "[unit]") {
  migrate::test::TempDir folder;
  folder.write("0001_t.up.sql", "CREATE TABLE t (id INTEGER);\n");
  const fs::path down = folder.write("0001_t.down.sql", "DROP TABLE t;\n");
  const std::string before = load_revisions(folder.path(), Dialect::sqlite)[0].checksum;
  fs::remove(down);
  folder.write("0001_t.down.sql", "DROP TABLE IF EXISTS t;\n");
  CHECK(load_revisions(folder.path(), Dialect::sqlite)[0].checksum == before);
  fs::remove(folder.path() / "0001_t.up.sql");
  folder.write("0001_t.up.sql", "CREATE TABLE t (id INTEGER NOT NULL);\n");
  CHECK(load_revisions(folder.path(), Dialect::sqlite)[0].checksum != before);
}

TEST_CASE("files that are not revisions are ignored", "[unit]") {
  migrate::test::TempDir folder;
  folder.write("0001_init.up.sql", "SELECT 1;\n");
  folder.write("README.md", "# notes\n");
  folder.write("notes.txt", "0002_not_sql\n");
  folder.write(".0002_hidden.up.sql", "SELECT 2;\n");
  folder.write("0003_editor_backup.up.sql~", "SELECT 3;\n");
  folder.write("0005_snapshot.json", "{}\n");
  folder.write("meta/_journal.json", "{}\n");
  folder.write("archive/0004_old.up.sql", "SELECT 4;\n");
  const auto revisions = load_revisions(folder.path(), Dialect::sqlite);
  CHECK(labels_of(revisions) == std::vector<std::string>{"0001_init"});
}

TEST_CASE("an empty folder has no revisions", "[unit]") {
  migrate::test::TempDir folder;
  CHECK(load_revisions(folder.path(), Dialect::postgres).empty());
}

TEST_CASE("malformed folders are config errors naming the offending file", "[unit]") {
  struct Case {
    const char* description;
    std::vector<std::pair<std::string, std::string>> files;
    std::vector<std::string> mentions;
  };
  const Case cases[] = {
      {"two names for one version",
       {{"0001_create_users.up.sql", "SELECT 1;"}, {"0001_create_groups.up.sql", "SELECT 1;"}},
       {"duplicate version 0001", "0001_create_users.up.sql", "0001_create_groups.up.sql"}},
      {"an up and a down file that disagree on the name",
       {{"0002_alpha.up.sql", "SELECT 1;"}, {"0002_beta.down.sql", "SELECT 1;"}},
       {"duplicate version 0002", "0002_alpha.up.sql", "0002_beta.down.sql"}},
      {"a dash after the version", {{"0001-short.up.sql", "SELECT 1;"}}, {"unparsable", "0001-short.up.sql"}},
      {"a .sql file that is not a revision", {{"notes.sql", "SELECT 1;"}}, {"unparsable", "notes.sql"}},
      {"an upper-case extension", {{"0001_x.up.SQL", "SELECT 1;"}}, {"unparsable", "0001_x.up.SQL", "1-18 digits"}},
      {"a .txt after .sql", {{"0001_x.up.sql.txt", "SELECT 1;"}}, {"unparsable", "0001_x.up.sql.txt"}},
      {"a .pgsql extension", {{"0001_x.up.pgsql", "SELECT 1;"}}, {"unparsable", "0001_x.up.pgsql"}},
      {"an unknown dialect variant", {{"0001_x.up.mysql.sql", "SELECT 1;"}}, {"unparsable", "0001_x.up.mysql.sql"}},
      {"two dotted names for one version",
       {{"0001_v1.2.up.sql", "SELECT 1;"}, {"0001_v1.3.down.sql", "SELECT 1;"}},
       {"duplicate version 0001", "0001_v1.2.up.sql", "0001_v1.3.down.sql"}},
      {"the unchanged skeleton of migrate new",
       {{"0001_first.up.sql", "-- alpha 0001_first: write the change here.\n"},
        {"0001_first.down.sql", "-- alpha 0001_first: undo exactly what the up file does.\n"}},
       {"0001_first.up.sql", "still the skeleton", "write the change or delete the file"}},
      {"a NUL byte", {{"0001_a.up.sql", "CREATE TABLE t1 (x int);\n  \xC3\xA9;\0CREATE TABLE t2 (x int);\n"s}},
       {"0001_a.up.sql:2:5:", "NUL byte"}},
      {"a NUL byte in a down file", {{"0001_a.up.sql", "SELECT 1;"}, {"0001_a.down.sql", "\0"s}},
       {"0001_a.down.sql:1:1:", "NUL byte"}},
      {"a COMMIT in a transactional revision",
       {{"0001_a.up.sql", "CREATE TABLE a (x int);\nCOMMIT;\nCREATE TABLE b (x int);\n"}},
       {"0001_a.up.sql:2:", "COMMIT", "-- migrate:no-transaction"}},
      {"a BEGIN in a transactional down file",
       {{"0001_a.up.sql", "SELECT 1;"}, {"0001_a.down.sql", "\n\nBEGIN;\nDROP TABLE a;\nCOMMIT;\n"}},
       {"0001_a.down.sql:3:", "BEGIN"}},
      {"a C++ step named in a way the build does not compile", {{"001_backfill.cpp", "// step\n"}},
       {"001_backfill.cpp", "NNNN_snake_name.cpp"}},
      {"a down file without an up file",
       {{"0001_a.up.sql", "SELECT 1;"}, {"0002_orphan.down.sql", "SELECT 1;"}},
       {"0002_orphan.down.sql", "no matching .up.sql"}},
      {"a skeleton variant for the other dialect",
       {{"0001_a.up.sql", "SELECT 1;"}, {"0001_a.up.postgres.sql", "-- x 0001_a: write the change here.\r\n"}},
       {"0001_a.up.postgres.sql", "skeleton"}},
      {"a C++ step this build lacks", {{"0003_backfill.cpp", "// step\n"}}, {"0003_backfill.cpp"}},
  };
  for (const Case& c : cases) {
    INFO(c.description);
    migrate::test::TempDir folder;
    for (const auto& [name, content] : c.files) folder.write(name, content);
    const std::string message = config_error_of(folder.path());
    INFO("message: " << message);
    for (const std::string& part : c.mentions) CHECK(message.find(part) != std::string::npos);
  }
}

TEST_CASE("one version spelled with two different zero paddings is a duplicate", "[unit]") {
  // 0001 and 00001 are both version 1; the folder must be rejected, not resolved by
  // whichever file happens to sort last.
  migrate::test::TempDir folder;
  folder.write("0001_init.up.sql", "CREATE TABLE a (id INTEGER);\n");
  folder.write("00001_init.up.sql", "CREATE TABLE b (id INTEGER);\n");
  const std::string message = config_error_of(folder.path());
  CHECK(message.find("duplicate version 0001") != std::string::npos);
}

TEST_CASE("a revision with only a postgres variant cannot be loaded for sqlite", "[unit]") {
  migrate::test::TempDir folder;
  folder.write("0001_init.up.sql", "SELECT 1;\n");
  folder.write("0002_concurrent_index.up.postgres.sql", "CREATE INDEX CONCURRENTLY i ON t (x);\n");

  const auto postgres = load_revisions(folder.path(), Dialect::postgres);
  CHECK(labels_of(postgres) == std::vector<std::string>{"0001_init", "0002_concurrent_index"});

  const std::string message = config_error_of(folder.path(), Dialect::sqlite);
  CHECK(message.find("0002_concurrent_index") != std::string::npos);
  CHECK(message.find("sqlite") != std::string::npos);
}

TEST_CASE("a missing folder and a file in place of a folder are config errors", "[unit]") {
  migrate::test::TempDir folder;
  const fs::path missing = folder.path() / "no-such-folder";
  const std::string missing_message = config_error_of(missing);
  CHECK(missing_message.find(missing.string()) != std::string::npos);
  CHECK(missing_message.find("does not exist") != std::string::npos);

  const fs::path file = folder.write("migrations", "not a folder");
  const std::string file_message = config_error_of(file);
  CHECK(file_message.find(file.string()) != std::string::npos);
  CHECK(file_message.find("not a folder") != std::string::npos);

  CHECK_THROWS_AS(scan_revision_files(missing), ConfigError);
}

TEST_CASE("version 0, timestamps and names with dots, dashes and capitals load", "[unit]") {
  migrate::test::TempDir folder;
  folder.write("0000_init.up.sql", "CREATE TABLE a (id INTEGER);\n");
  folder.write("0000_init.down.sql", "DROP TABLE a;\n");
  folder.write("0060_disable-aggressive-cache.up.sql", "SELECT 1;\n");
  folder.write("0061_v1.2.up.sql", "SELECT 2;\n");
  folder.write("0061_v1.2.down.sqlite.sql", "SELECT 3;\n");
  folder.write("20240501120000_AddUsers.up.sql", "SELECT 4;\n");
  const auto revisions = load_revisions(folder.path(), Dialect::sqlite);
  CHECK(labels_of(revisions) == std::vector<std::string>{"0000_init", "0060_disable-aggressive-cache", "0061_v1.2",
                                                         "20240501120000_AddUsers"});
  CHECK(revisions[0].version == 0);
  REQUIRE(revisions[0].down);
  REQUIRE(revisions[2].down);
  CHECK(revisions[2].down->sql == "SELECT 3;\n");
}

TEST_CASE("an up file with no statements is a no-op revision; the skeleton of migrate new is not", "[unit]") {
  migrate::test::TempDir folder;
  folder.write("0001_empty.up.sql", "");
  folder.write("0002_blank.up.sql", "  \n\t\r\n  ");
  folder.write("0003_comments.up.sql", "-- kept for numbering: sqlite has nothing to do here\n/* really */;\n");
  folder.write("0004_directive.up.sql", "-- migrate:no-transaction\n");
  folder.write("0005_real.up.sql", "SELECT 1;\n");
  folder.write("0006_edited_skeleton.up.sql", "-- app 0006_edited_skeleton: write the change here.\nSELECT 1;\n");
  const auto revisions = load_revisions(folder.path(), Dialect::sqlite);
  REQUIRE(revisions.size() == 6);
  for (std::size_t i = 0; i < 4; ++i) {
    INFO(revisions[i].label());
    CHECK(revisions[i].no_op);
  }
  CHECK_FALSE(revisions[4].no_op);
  CHECK_FALSE(revisions[5].no_op);
  CHECK(revisions[0].checksum == sha256_hex(""));
}

TEST_CASE("the skeleton of migrate new is recognised, and edited ones are not", "[unit]") {
  using migrate::source::FileRole;
  using migrate::source::is_unchanged_skeleton;
  using migrate::source::revision_skeleton;
  const std::string up = revision_skeleton(FileRole::up, "alpha", "0001_first");
  CHECK(up == "-- alpha 0001_first: write the change here.\n");
  CHECK(revision_skeleton(FileRole::down, "alpha", "0001_first") ==
        "-- alpha 0001_first: undo exactly what the up file does.\n");
  CHECK(is_unchanged_skeleton(up));
  CHECK(is_unchanged_skeleton("\r\n" + up.substr(0, up.size() - 1) + "\r\n\r\n"));
  CHECK_FALSE(is_unchanged_skeleton(up + "SELECT 1;\n"));
  CHECK_FALSE(is_unchanged_skeleton("-- kept empty on purpose\n"));
  CHECK_FALSE(is_unchanged_skeleton(revision_skeleton(FileRole::down, "alpha", "0001_first")));
  CHECK_FALSE(is_unchanged_skeleton(""));
}

TEST_CASE("a UTF-8 byte order mark is not run, but stays in the checksum", "[unit]") {
  migrate::test::TempDir with_bom;
  migrate::test::TempDir without_bom;
  const std::string sql = "CREATE TABLE a (id INTEGER);\r\n";
  with_bom.write("0001_a.up.sql", "\xEF\xBB\xBF" + sql);
  with_bom.write("0001_a.down.sql", "\xEF\xBB\xBF" "DROP TABLE a;\n");
  without_bom.write("0001_a.up.sql", sql);
  const Revision bom = load_revisions(with_bom.path(), Dialect::postgres).at(0);
  const Revision plain = load_revisions(without_bom.path(), Dialect::postgres).at(0);
  CHECK(bom.up.sql == sql);
  REQUIRE(bom.down);
  CHECK(bom.down->sql == "DROP TABLE a;\n");
  // BOM-less files keep the checksum they always had: their bytes with LF line ends.
  CHECK(plain.checksum == sha256_hex("CREATE TABLE a (id INTEGER);\n"));
  CHECK(bom.checksum == sha256_hex("\xEF\xBB\xBF" "CREATE TABLE a (id INTEGER);\n"));
}

TEST_CASE("a BOM does not shift the position of a NUL or of bad UTF-8", "[unit]") {
  migrate::test::TempDir folder;
  folder.write("0001_a.up.sql", std::string("\xEF\xBB\xBF" "SELECT 1;\nSELECT\0 2;\n", 24));
  const std::string message = config_error_of(folder.path());
  CHECK(message.find("0001_a.up.sql:2:7:") != std::string::npos);
}

TEST_CASE("transaction control is allowed in a no-transaction revision, and bodies never count", "[unit]") {
  migrate::test::TempDir folder;
  folder.write("0001_vacuum.up.sql", "-- migrate:no-transaction\nCOMMIT;\nVACUUM;\n");
  folder.write("0002_trigger.up.sqlite.sql",
               "CREATE TABLE a (id INTEGER, n INTEGER);\n"
               "CREATE TRIGGER a_n AFTER INSERT ON a BEGIN\n  UPDATE a SET n = CASE WHEN new.id > 0 THEN 1 END;\nEND;\n");
  folder.write("0002_trigger.up.postgres.sql",
               "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
               "DO $$ BEGIN PERFORM 1; END $$;\n");
  folder.write("0003_savepoint.up.sql", "SAVEPOINT s;\nSELECT 1;\nROLLBACK TO SAVEPOINT s;\nRELEASE s;\n");
  CHECK(load_revisions(folder.path(), Dialect::sqlite).size() == 3);
  CHECK(load_revisions(folder.path(), Dialect::postgres).size() == 3);
}

TEST_CASE("the homelab services' migrations and the lexer corpus load and pass the checks", "[unit]") {
  const fs::path root = MIGRATE_SOURCE_DIR;
  // discord-bot has C++ steps, which this test binary does not compile in: its SQL files
  // are checked one by one (tests/cli/sample_services_test.cpp applies them all).
  for (const char* service : {"dashboard", "stream-bot"}) {
    for (const Dialect dialect : {Dialect::postgres, Dialect::sqlite}) {
      INFO(service << " " << migrate::to_string(dialect));
      CHECK_FALSE(load_revisions(root / "services" / service / "migrations", dialect, service).empty());
    }
  }
  for (const auto& entry : fs::directory_iterator(root / "services/discord-bot/migrations")) {
    if (entry.path().extension() != ".sql") continue;
    const std::string sql = migrate::test::slurp(entry.path());
    for (const Dialect dialect : {Dialect::postgres, Dialect::sqlite}) {
      INFO(entry.path().filename().string() << " " << migrate::to_string(dialect));
      CHECK_FALSE(migrate::source::find_transaction_control(sql, dialect));
    }
  }
  for (const auto& entry : fs::directory_iterator(root / "tests/fuzz/corpus/statement_lexer")) {
    const std::string name = entry.path().filename().string();
    const std::string sql = migrate::test::slurp(entry.path());
    if (sql.find("migrate:no-transaction") != std::string::npos) continue;
    INFO(name);
    const Dialect dialect = name.find("postgres") != std::string::npos ? Dialect::postgres : Dialect::sqlite;
    CHECK_FALSE(migrate::source::find_transaction_control(sql, dialect));
  }
}
