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
        "0003_idx.up.sql:2: 'migrate:lock-timeout' needs a positive duration such as 5s or 10min, got 'soon'");
  CHECK(error_of("-- migrate:statement-timeout\nSELECT 1;").find("needs a positive duration") != std::string::npos);
  CHECK(error_of("-- migrate:lock-timeout 0s\nSELECT 1;").find("needs a positive duration") != std::string::npos);
  CHECK(error_of("-- migrate:no-transaction yes\nSELECT 1;") ==
        "0003_idx.up.sql:1: 'migrate:no-transaction' takes no value");
  CHECK(error_of("-- migrate:no-transaction\n-- migrate:no-transaction\nSELECT 1;") ==
        "0003_idx.up.sql:2: 'migrate:no-transaction' is repeated");
  CHECK(error_of("-- migrate:lock-timeout 1s\n-- migrate:lock-timeout 2s\n") ==
        "0003_idx.up.sql:2: 'migrate:lock-timeout' is repeated");
}

TEST_CASE("a directive after SQL is refused rather than silently ignored", "[directives]") {
  CHECK(error_of("SELECT 1;\n-- migrate:no-transaction\n") ==
        "0003_idx.up.sql:2: directive 'migrate:no-transaction' stands after SQL or a block comment, where it "
        "would do nothing; directives come first");
  CHECK(error_of("/* header */\n-- migrate:no-transaction\nSELECT 1;").find("stands after SQL") != std::string::npos);
}
