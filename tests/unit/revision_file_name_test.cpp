// Revision file-name grammar.
#include <catch2/catch.hpp>

#include "migrate/source/revision_file_name.hpp"

using migrate::Dialect;
using migrate::source::FileRole;
using migrate::source::parse_revision_file_name;

TEST_CASE("a generic up file name parses into version, name and role", "[unit]") {
  const auto parsed = parse_revision_file_name("0003_add_priority.up.sql");
  REQUIRE(parsed);
  CHECK(parsed->version == 3);
  CHECK(parsed->name == "add_priority");
  CHECK(parsed->role == FileRole::up);
  CHECK_FALSE(parsed->variant);
}

TEST_CASE("dialect variants and down files are recognised", "[unit]") {
  auto parsed = parse_revision_file_name("0012_baseline.down.postgres.sql");
  REQUIRE(parsed);
  CHECK(parsed->role == FileRole::down);
  CHECK(parsed->variant == Dialect::postgres);
  parsed = parse_revision_file_name("10000_x.up.sqlite.sql");
  REQUIRE(parsed);
  CHECK(parsed->version == 10000);
  CHECK(parsed->variant == Dialect::sqlite);
  parsed = parse_revision_file_name("0004_backfill.cpp");
  REQUIRE(parsed);
  CHECK(parsed->role == FileRole::step);
}

TEST_CASE("malformed revision file names are rejected", "[unit]") {
  for (const char* name : {"0001-dash.up.sql", "0001_.up.sql", "0001_name.sql", "0001_name.up.mysql.sql",
                           "0001_name.sideways.sql", "0001_name.up.sql.bak", "abcd_name.up.sql",
                           "1234567890123456789_too_long.up.sql", "0001_name up.up.sql", "0001_-dash.up.sql",
                           "0001_.hidden.up.sql", "_0001_x.up.sql", "0001_x.up.SQL", "0001_x.UP.sql",
                           "0001_x.up.sql.txt", "0001_x.up.pgsql", "0001_x.postgres.sql", "0001_x.up.postgres",
                           "0001_x.CPP", "0001_na\xC3\xAFve.up.sql", ".up.sql", "0001.up.sql"}) {
    INFO(name);
    CHECK_FALSE(parse_revision_file_name(name));
  }
}

TEST_CASE("names as other tools write them parse: version 0, short and timestamp versions, dots, dashes, capitals",
          "[unit]") {
  struct Case {
    const char* file;
    migrate::Version version;
    const char* name;
    FileRole role;
  };
  const Case cases[] = {
      {"0000_init.up.sql", 0, "init", FileRole::up},
      {"0_init.up.sql", 0, "init", FileRole::up},
      {"1_init.up.sql", 1, "init", FileRole::up},
      {"003_short.down.sql", 3, "short", FileRole::down},
      {"20240501120000_add_users.up.sql", 20240501120000, "add_users", FileRole::up},
      {"0060_disable-aggressive-cache.up.sql", 60, "disable-aggressive-cache", FileRole::up},
      {"0001_AddUsers.up.sql", 1, "AddUsers", FileRole::up},
      {"0001_v1.2.up.sql", 1, "v1.2", FileRole::up},
      {"0001_v1.2.down.postgres.sql", 1, "v1.2", FileRole::down},
      {"0001_a.up.up.sql", 1, "a.up", FileRole::up},
      {"0001_2fa.cpp", 1, "2fa", FileRole::step},
      {"123456789012345678_max.up.sql", 123456789012345678, "max", FileRole::up},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    const auto parsed = parse_revision_file_name(c.file);
    REQUIRE(parsed);
    CHECK(parsed->version == c.version);
    CHECK(parsed->name == c.name);
    CHECK(parsed->role == c.role);
    CHECK(migrate::source::looks_like_revision_file(c.file));
  }
  const auto variant = parse_revision_file_name("0001_v1.2.down.postgres.sql");
  REQUIRE(variant);
  CHECK(variant->variant == Dialect::postgres);
}

TEST_CASE("near misses of revision names count as revision files, so that they are refused rather than ignored",
          "[unit]") {
  using migrate::source::looks_like_revision_file;
  for (const char* name : {"0001_x.up.SQL", "0001_x.up.sql.txt", "0001_x.up.pgsql", "0001-a.up.sql",
                           "0001_x.down.psql", "0001_x.up", "0001-x.DOWN", "0001_x.Sql", "notes.sql"}) {
    INFO(name);
    CHECK(looks_like_revision_file(name));
    CHECK_FALSE(parse_revision_file_name(name));
  }
  for (const char* name : {"README.md", "notes.txt", "0002_not_sql", ".0001_x.up.sql", "meta", "_journal.json",
                           "0001_snapshot.json", "upgrade.up.txt", "x0001_x.up.txt"}) {
    INFO(name);
    CHECK_FALSE(looks_like_revision_file(name));
  }
}

TEST_CASE("the stem of a file name is its version as spelled and its name, dots and all", "[unit]") {
  const auto parsed = parse_revision_file_name("0001_v1.2.up.postgres.sql");
  REQUIRE(parsed);
  CHECK(migrate::source::revision_stem("0001_v1.2.up.postgres.sql", *parsed) == "0001_v1.2");
}

TEST_CASE("only C++ step names the build compiles count as compilable", "[unit]") {
  using migrate::source::is_compilable_step_name;
  CHECK(is_compilable_step_name("0005_backfill_ranks.cpp"));
  CHECK(is_compilable_step_name("20240501120000_backfill.cpp"));
  CHECK_FALSE(is_compilable_step_name("005_backfill.cpp"));
  CHECK_FALSE(is_compilable_step_name("0005_Backfill.cpp"));
  CHECK_FALSE(is_compilable_step_name("0005_back-fill.cpp"));
  CHECK_FALSE(is_compilable_step_name("0005_v1.2.cpp"));
}
