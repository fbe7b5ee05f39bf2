// Human durations for lock_stale_after and command-line timeouts.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "migrate/util/duration.hpp"

using migrate::util::parse_duration;
using std::chrono::milliseconds;

TEST_CASE("durations with a unit or a bare number of seconds are parsed", "[unit]") {
  struct Case {
    std::string text;
    long long expected_ms;
  };
  const Case cases[] = {
      {"10min", 600'000}, {"5s", 5'000},     {"250ms", 250},   {"1h", 3'600'000},
      {"30", 30'000},     {"0s", 0},         {"2h", 7'200'000}, {"90s", 90'000},
  };
  for (const Case& c : cases) {
    INFO("text: " << c.text);
    const auto parsed = parse_duration(c.text);
    REQUIRE(parsed);
    CHECK(parsed->count() == c.expected_ms);
  }
}

TEST_CASE("text that is not a duration is rejected", "[unit]") {
  for (const char* text : {"", "5x", "-1s", "min", "s", "ms", "1.5s", "5 minutes", "ten", "+5s", "5s5"}) {
    INFO("text: '" << text << "'");
    CHECK_FALSE(parse_duration(text));
  }
}

TEST_CASE("a duration too large to represent is rejected rather than overflowing", "[unit]") {
  CHECK_FALSE(parse_duration("99999999999999999999h"));
  CHECK_FALSE(parse_duration("9223372036854775807h"));
}
