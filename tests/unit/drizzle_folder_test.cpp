// Reading drizzle-kit out folders (journal and beta layouts) from hand-made files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "migrate/adopt/drizzle_folder.hpp"
#include "migrate/util/error.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using migrate::UsageError;
using migrate::adopt::DrizzleFolder;
using migrate::adopt::DrizzleLayout;
using migrate::adopt::DrizzlePrefix;
using migrate::adopt::read_drizzle_folder;
using migrate::test::TempDir;

namespace {

struct Entry {
  std::string tag;
  long long when = 1700000000000;
};

// A meta/_journal.json as drizzle-kit writes it, the entries in the order given.
std::string journal(const std::vector<Entry>& entries, const std::string& dialect = "postgresql") {
  std::string text = "{\n  \"version\": \"7\",\n  \"dialect\": \"" + dialect + "\",\n  \"entries\": [";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    text += std::string(i == 0 ? "" : ",") + "\n    {\"idx\": " + std::to_string(i) +
            ", \"version\": \"7\", \"when\": " + std::to_string(entries[i].when) + ", \"tag\": \"" + entries[i].tag +
            "\", \"breakpoints\": true}";
  }
  return text + "\n  ]\n}";
}

// Writes the journal and one SQL file per tag (its bytes name the tag).
void write_out(const TempDir& dir, const std::vector<Entry>& entries) {
  dir.write("meta/_journal.json", journal(entries));
  for (const Entry& entry : entries) dir.write(entry.tag + ".sql", "-- " + entry.tag + "\nSELECT 1;\n");
}

std::vector<std::string> tags_of(const DrizzleFolder& folder) {
  std::vector<std::string> tags;
  for (const auto& migration : folder.migrations) tags.push_back(migration.tag);
  return tags;
}

std::string refusal_of(const fs::path& dir) {
  try {
    read_drizzle_folder(dir);
  } catch (const UsageError& e) {
    CHECK(e.code() == migrate::ExitCode::usage);
    return e.what();
  }
  FAIL("no UsageError reading " << dir);
  return {};
}

}  // namespace

TEST_CASE("a drizzle-kit folder with index prefixes reads in journal order with exact bytes", "[drizzle]") {
  TempDir dir;
  write_out(dir, {{"0000_tearful_pyro"}, {"0001_add-users"}, {"0060_disable-aggressive-cache"}});
  // Bytes drizzle-kit writes are kept exactly: CRLF, breakpoints, no final newline.
  dir.write("0001_add-users.sql", "CREATE TABLE a (id int);\r\n--> statement-breakpoint\r\nSELECT 2;");
  dir.write("meta/0000_snapshot.json", "{}");

  const DrizzleFolder folder = read_drizzle_folder(dir.path());
  CHECK(folder.layout == DrizzleLayout::journal);
  CHECK(folder.dialect == "postgresql");
  REQUIRE(tags_of(folder) == std::vector<std::string>{"0000_tearful_pyro", "0001_add-users",
                                                      "0060_disable-aggressive-cache"});
  const auto& last = folder.migrations.back();
  CHECK(last.version == 60);
  CHECK(last.version_text == "0060");
  CHECK(last.name == "disable-aggressive-cache");
  CHECK(last.prefix == DrizzlePrefix::index);
  CHECK(last.idx == 2);
  CHECK(last.when == 1700000000000);
  CHECK(last.breakpoints);
  CHECK(last.revision_file_name() == "0060_disable-aggressive-cache.up.sql");
  CHECK(folder.migrations[0].version == 0);
  CHECK(folder.migrations[0].revision_file_name() == "0000_tearful_pyro.up.sql");
  CHECK(folder.migrations[1].bytes == "CREATE TABLE a (id int);\r\n--> statement-breakpoint\r\nSELECT 2;");
  CHECK(folder.unlisted.empty());
}

TEST_CASE("drizzle-kit's timestamp and unix prefixes give 14- and 10-digit versions", "[drizzle]") {
  TempDir timestamps;
  write_out(timestamps, {{"20240131120000_init"}, {"20240201093000_more"}});
  DrizzleFolder folder = read_drizzle_folder(timestamps.path());
  REQUIRE(folder.migrations.size() == 2);
  CHECK(folder.migrations[0].prefix == DrizzlePrefix::timestamp);
  CHECK(folder.migrations[0].version == 20240131120000);
  CHECK(folder.migrations[1].revision_file_name() == "20240201093000_more.up.sql");

  TempDir unix_seconds;
  write_out(unix_seconds, {{"1706702400_init"}, {"1706788800_more"}});
  folder = read_drizzle_folder(unix_seconds.path());
  REQUIRE(folder.migrations.size() == 2);
  CHECK(folder.migrations[0].prefix == DrizzlePrefix::unix_seconds);
  CHECK(folder.migrations[1].version == 1706788800);
  CHECK(std::string(to_string(folder.migrations[1].prefix)) == "unix");
}

TEST_CASE("journal order wins over file-name order", "[drizzle]") {
  // Past index 9999 the names sort "10000_…" before "9999_…"; the journal does not.
  TempDir dir;
  write_out(dir, {{"9998_a"}, {"9999_b"}, {"10000_c"}});
  const DrizzleFolder folder = read_drizzle_folder(dir.path());
  CHECK(tags_of(folder) == std::vector<std::string>{"9998_a", "9999_b", "10000_c"});
  CHECK(folder.migrations.back().version == 10000);
}

TEST_CASE("SQL files the journal does not list are reported, not read as migrations", "[drizzle]") {
  TempDir dir;
  write_out(dir, {{"0000_init"}});
  dir.write("0001_hand_written.sql", "SELECT 1;\n");
  dir.write("notes.txt", "not SQL");
  dir.write("20240101000000_stray/migration.sql", "SELECT 1;\n");
  const DrizzleFolder folder = read_drizzle_folder(dir.path());
  CHECK(tags_of(folder) == std::vector<std::string>{"0000_init"});
  CHECK(folder.unlisted ==
        std::vector<fs::path>{dir.path() / "0001_hand_written.sql", dir.path() / "20240101000000_stray/migration.sql"});
}

TEST_CASE("the beta layout reads one folder per migration, ordered by folder name", "[drizzle]") {
  TempDir dir;
  dir.write("20250102000000_second/migration.sql", "SELECT 2;\n");
  dir.write("20250102000000_second/snapshot.json", "{}");
  dir.write("20250101000000_first/migration.sql", "SELECT 1;\n");
  dir.write("20250101000000_first/snapshot.json", "{}");
  dir.write("stray.sql", "SELECT 3;\n");
  const DrizzleFolder folder = read_drizzle_folder(dir.path());
  CHECK(folder.layout == DrizzleLayout::folders);
  REQUIRE(tags_of(folder) == std::vector<std::string>{"20250101000000_first", "20250102000000_second"});
  CHECK(folder.migrations[0].version == 20250101000000);
  CHECK(folder.migrations[0].name == "first");
  CHECK(folder.migrations[0].bytes == "SELECT 1;\n");
  CHECK(folder.migrations[1].revision_file_name() == "20250102000000_second.up.sql");
  CHECK(folder.migrations[1].file == dir.path() / "20250102000000_second" / "migration.sql");
  CHECK(folder.unlisted == std::vector<fs::path>{dir.path() / "stray.sql"});
}

TEST_CASE("a drizzle-kit folder that would not import faithfully is refused with a clear message", "[drizzle]") {
  SECTION("no folder") {
    TempDir dir;
    CHECK_THAT(refusal_of(dir.path() / "missing"), Catch::Contains("does not exist"));
  }
  SECTION("no journal and no beta folders") {
    TempDir dir;
    dir.write("0000_init.sql", "SELECT 1;\n");
    CHECK_THAT(refusal_of(dir.path()), Catch::Contains("_journal.json is missing"));
  }
  SECTION("a journal that is not JSON") {
    TempDir dir;
    dir.write("meta/_journal.json", "{\"entries\": [");
    CHECK_THAT(refusal_of(dir.path()), Catch::Contains("not JSON"));
  }
  SECTION("a journal without entries") {
    TempDir dir;
    dir.write("meta/_journal.json", "{\"version\": \"7\"}");
    CHECK_THAT(refusal_of(dir.path()), Catch::Contains("no \"entries\" array"));
  }
  SECTION("an entry without a tag") {
    TempDir dir;
    dir.write("meta/_journal.json", "{\"entries\": [{\"idx\": 0}]}");
    CHECK_THAT(refusal_of(dir.path()), Catch::Contains("entry 0 has no \"tag\""));
  }
  SECTION("an entry whose file is missing") {
    TempDir dir;
    write_out(dir, {{"0000_init"}, {"0001_gone"}});
    fs::remove(dir.path() / "0001_gone.sql");
    const std::string message = refusal_of(dir.path());
    CHECK_THAT(message, Catch::Contains("0001_gone.sql is missing"));
  }
  SECTION("a tag with no numeric prefix (drizzle-kit's prefix \"none\")") {
    TempDir dir;
    write_out(dir, {{"_tearful_pyro"}});
    CHECK_THAT(refusal_of(dir.path()), Catch::Contains("does not give a revision name"));
  }
  SECTION("a tag that reaches outside the folder") {
    TempDir dir;
    dir.write("meta/_journal.json", journal({{"0000_x/../../etc"}}));
    CHECK_THAT(refusal_of(dir.path()), Catch::Contains("does not give a revision name"));
  }
  SECTION("a version of more than 18 digits") {
    TempDir dir;
    write_out(dir, {{"1234567890123456789_big"}});
    CHECK_THAT(refusal_of(dir.path()), Catch::Contains("does not give a revision name"));
  }
  SECTION("two entries giving the same version") {
    TempDir dir;
    write_out(dir, {{"0001_a"}, {"001_b"}});
    CHECK_THAT(refusal_of(dir.path()), Catch::Contains("give the same version 1"));
  }
  SECTION("a journal whose order is not the versions' order") {
    TempDir dir;
    write_out(dir, {{"20240131120000_a"}, {"1706702400_b"}});
    CHECK_THAT(refusal_of(dir.path()), Catch::Contains("has a lower version"));
  }
  SECTION("a file with a NUL byte") {
    TempDir dir;
    write_out(dir, {{"0000_init"}});
    dir.write("0000_init.sql", std::string("SELECT 1;\0\n", 11));
    CHECK_THAT(refusal_of(dir.path()), Catch::Contains("NUL byte"));
  }
  SECTION("a beta folder without migration.sql") {
    TempDir dir;
    dir.write("20250101000000_first/snapshot.json", "{}");
    CHECK_THAT(refusal_of(dir.path()), Catch::Contains("migration.sql is missing"));
  }
}
