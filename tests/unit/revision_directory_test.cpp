// Loading a service's migrations folder from real files.
#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"


#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "migrate/source/revision_directory.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/sha256.hpp"

namespace fs = std::filesystem;
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
      {"a version too short", {{"001_short.up.sql", "SELECT 1;"}}, {"unparsable", "001_short.up.sql"}},
      {"a .sql file that is not a revision", {{"notes.sql", "SELECT 1;"}}, {"unparsable", "notes.sql"}},
      {"an upper-case name", {{"0001_AddUsers.up.sql", "SELECT 1;"}}, {"unparsable", "0001_AddUsers.up.sql"}},
      {"an unknown dialect variant", {{"0001_x.up.mysql.sql", "SELECT 1;"}}, {"unparsable", "0001_x.up.mysql.sql"}},
      {"a down file without an up file",
       {{"0001_a.up.sql", "SELECT 1;"}, {"0002_orphan.down.sql", "SELECT 1;"}},
       {"0002_orphan.down.sql", "no matching .up.sql"}},
      {"an empty up file", {{"0001_empty.up.sql", ""}}, {"0001_empty.up.sql", "empty"}},
      {"a whitespace-only up file", {{"0001_blank.up.sql", "  \n\t\r\n  "}}, {"0001_blank.up.sql", "empty"}},
      {"an empty variant for the other dialect",
       {{"0001_a.up.sql", "SELECT 1;"}, {"0001_a.up.postgres.sql", "\n"}},
       {"0001_a.up.postgres.sql", "empty"}},
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
