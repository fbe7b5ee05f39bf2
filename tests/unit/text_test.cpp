// String helpers: line endings, trimming, prefixes and replacement.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "migrate/util/text.hpp"

namespace util = migrate::util;

TEST_CASE("crlf_to_lf turns every CRLF pair into LF and leaves lone CRs alone", "[unit]") {
  struct Case {
    std::string input;
    std::string expected;
  };
  const Case cases[] = {
      {"", ""},
      {"no line endings", "no line endings"},
      {"a\r\nb\r\n", "a\nb\n"},
      {"a\nb\n", "a\nb\n"},
      {"mixed\r\nand\nplain\r\n", "mixed\nand\nplain\n"},
      {"lone\rcr", "lone\rcr"},
      {"trailing cr\r", "trailing cr\r"},
      {"\r\r\n", "\r\n"},
      {"\r\n\r\n", "\n\n"},
  };
  for (const Case& c : cases) {
    INFO("input: " << c.input);
    CHECK(util::crlf_to_lf(c.input) == c.expected);
  }
}

TEST_CASE("trim and is_blank treat ASCII white space as blank", "[unit]") {
  CHECK(util::trim("  \t value \r\n") == "value");
  CHECK(util::trim("") == "");
  CHECK(util::trim(" \n\t ") == "");
  CHECK(util::trim("a b") == "a b");
  CHECK(util::is_blank(""));
  CHECK(util::is_blank(" \t\r\n\f\v"));
  CHECK_FALSE(util::is_blank("  x  "));
}

TEST_CASE("starts_with and ends_with compare whole prefixes and suffixes", "[unit]") {
  CHECK(util::starts_with("postgres://x", "postgres://"));
  CHECK_FALSE(util::starts_with("post", "postgres"));
  CHECK(util::starts_with("anything", ""));
  CHECK(util::ends_with("0001_init.up.sql", ".up.sql"));
  CHECK_FALSE(util::ends_with("sql", ".up.sql"));
  CHECK(util::ends_with("anything", ""));
}

TEST_CASE("join puts the separator only between parts", "[unit]") {
  CHECK(util::join({}, ", ") == "");
  CHECK(util::join({"a"}, ", ") == "a");
  CHECK(util::join({"a", "b", "a"}, " -> ") == "a -> b -> a");
}

TEST_CASE("replace_all replaces every occurrence and never rescans its own output", "[unit]") {
  CHECK(util::replace_all("pw and pw", "pw", "***") == "*** and ***");
  CHECK(util::replace_all("aa", "a", "aa") == "aaaa");
  CHECK(util::replace_all("unchanged", "", "x") == "unchanged");
  CHECK(util::replace_all("none here", "zzz", "x") == "none here");
}
