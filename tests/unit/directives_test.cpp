// `-- migrate:` directives at the top of revision files.
#include <catch2/catch.hpp>

#include <string>

#include "migrate/source/directives.hpp"
#include "migrate/util/error.hpp"

using migrate::ConfigError;
using migrate::source::parse_directives;
using namespace std::chrono_literals;

namespace {

std::string error_of(const std::string& sql) {
  try {
    parse_directives(sql, "0003_idx.up.sql");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("no directive means a transactional revision with the run's timeouts", "[directives]") {
  const auto directives = parse_directives("-- adds a table\nCREATE TABLE a (id int);\n", "0001.up.sql");
  CHECK_FALSE(directives.no_transaction);
  CHECK_FALSE(directives.timeouts.lock_timeout);
  CHECK_FALSE(directives.timeouts.statement_timeout);
}

TEST_CASE("directives before the first statement are read", "[directives]") {
  const auto directives = parse_directives(
      "-- Build the index without blocking writes.\n\n-- migrate:no-transaction\n--migrate:lock-timeout 5s\n"
      "-- migrate:statement-timeout 10min\nCREATE INDEX CONCURRENTLY i ON t (x);\n",
      "0003.up.sql");
  CHECK(directives.no_transaction);
  CHECK(directives.timeouts.lock_timeout == std::chrono::milliseconds(5s));
  CHECK(directives.timeouts.statement_timeout == std::chrono::milliseconds(10min));
}

TEST_CASE("bad directives are refused with file and line", "[directives]") {
  CHECK(error_of("-- migrate:no-transactions\nSELECT 1;") ==
        "0003_idx.up.sql:1: unknown directive 'migrate:no-transactions' (known: migrate:no-transaction, "
        "migrate:lock-timeout, migrate:statement-timeout)");
  CHECK(error_of("\n-- migrate:lock-timeout soon\nSELECT 1;") ==
        "0003_idx.up.sql:2: 'migrate:lock-timeout' needs a positive duration of at most 24 days (PostgreSQL's "
        "limit) such as 5s or 10min, got 'soon'");
  // 600h is more milliseconds than PostgreSQL's int setting holds.
  CHECK(error_of("-- migrate:statement-timeout 600h\nSELECT 1;").find("at most 24 days") != std::string::npos);
  CHECK(error_of("-- migrate:statement-timeout\nSELECT 1;").find("needs a positive duration") != std::string::npos);
  CHECK(error_of("-- migrate:lock-timeout 0s\nSELECT 1;").find("needs a positive duration") != std::string::npos);
  CHECK(error_of("-- migrate:no-transaction yes\nSELECT 1;") ==
        "0003_idx.up.sql:1: 'migrate:no-transaction' takes no value");
  CHECK(error_of("-- migrate:no-transaction\n-- migrate:no-transaction\nSELECT 1;") ==
        "0003_idx.up.sql:2: 'migrate:no-transaction' is repeated");
  CHECK(error_of("-- migrate:lock-timeout 1s\n-- migrate:lock-timeout 2s\n") ==
        "0003_idx.up.sql:2: 'migrate:lock-timeout' is repeated");
}

TEST_CASE("a directive between statements is refused, one inside a statement is text", "[directives]") {
  CHECK(error_of("SELECT 1;\n-- migrate:no-transaction\n") ==
        "0003_idx.up.sql:2: directive 'migrate:no-transaction' stands after SQL, where it would do nothing; "
        "directives come before the first statement");
  CHECK(error_of("SELECT 1; -- migrate:lock-timeout 1s\nSELECT 2;").find("stands after SQL") != std::string::npos);
  const auto inside = parse_directives(
      "-- migrate:no-transaction\nCREATE FUNCTION f() RETURNS int AS $$\n-- migrate:lock-timeout 1s\nSELECT 1;\n$$ "
      "LANGUAGE sql;\nSELECT '\n-- migrate:bogus\n';\n",
      "0003.up.sql");
  CHECK(inside.no_transaction);
  CHECK_FALSE(inside.timeouts.lock_timeout);
}

TEST_CASE("directives are read after a byte-order mark and a block comment", "[directives]") {
  CHECK(parse_directives("\xEF\xBB\xBF-- migrate:no-transaction\nVACUUM;\n", "0003.up.sql").no_transaction);
  CHECK(parse_directives("/* header */\n-- migrate:no-transaction\nVACUUM;\n", "0003.up.sql").no_transaction);
}
