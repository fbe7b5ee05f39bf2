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
  for (const char* name : {"003_short.up.sql", "0000_zero.up.sql", "0001-dash.up.sql", "0001_.up.sql",
                           "0001_Upper.up.sql", "0001_name.sql", "0001_name.up.mysql.sql",
                           "0001_name.sideways.sql", "0001_name.up.sql.bak", "abcd_name.up.sql",
                           "1234567890123456789_too_long.up.sql", "0001_name up.up.sql"}) {
    INFO(name);
    CHECK_FALSE(parse_revision_file_name(name));
  }
}
