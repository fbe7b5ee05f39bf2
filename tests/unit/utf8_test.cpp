// UTF-8 validation: where a byte sequence stops being UTF-8, by offset, line and column.
#include <catch2/catch.hpp>

#include <string>

#include "migrate/util/utf8.hpp"

using migrate::util::find_invalid_utf8;

TEST_CASE("valid UTF-8 has no invalid position", "[unit]") {
  for (const std::string& text : {std::string(), std::string("SELECT 1;\n"), std::string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
                                 std::string("\xED\x9F\xBF"), std::string("\xF4\x8F\xBF\xBF")}) {
    INFO("text: " << text);
    CHECK_FALSE(find_invalid_utf8(text).has_value());
  }
}

TEST_CASE("the first invalid byte is found with its line and column in characters", "[unit]") {
  const auto bad = find_invalid_utf8("-- \xC3\xA9t\xC3\xA9\nSELECT 'caf\xE9';\n");
  REQUIRE(bad.has_value());
  CHECK(bad->line == 2);
  CHECK(bad->column == 12);
  CHECK(bad->offset == 20);
  CHECK(bad->byte == 0xE9);
}

TEST_CASE("overlong forms and surrogates and truncated sequences and code points above U+10FFFF are invalid",
          "[unit]") {
  for (const std::string& text :
       {std::string("\xC0\xAF"), std::string("\xE0\x80\xAF"), std::string("\xF0\x80\x80\xAF"),
        std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80"), std::string("\xF5\x80\x80\x80"),
        std::string("\xE2\x82"), std::string("\x80"), std::string("\xFF")}) {
    INFO("bytes: " << text.size());
    const auto bad = find_invalid_utf8("ok " + text);
    REQUIRE(bad.has_value());
    CHECK(bad->offset == 3);
    CHECK(bad->column == 4);
  }
}
