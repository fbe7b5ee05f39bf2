// .env parsing and the Environment lookup.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "migrate/config/environment.hpp"
#include "migrate/util/error.hpp"

using migrate::ConfigError;
using migrate::config::Environment;
using migrate::config::parse_env_file;

TEST_CASE("a .env file with comments, export, quotes and escapes is parsed", "[unit]") {
  const std::string text =
      "# database settings\n"
      "\n"
      "export DASHBOARD_DATABASE_URL=postgres://app:pw@db/dashboard\n"
      "PLAIN = two words   # trailing comment\n"
      "SINGLE='literal $HOME \\n kept'\n"
      "DOUBLE=\"line\\nnext\\ttab \\\"quoted\\\" back\\\\slash\"\n"
      "HASH_IN_QUOTES=\"has # hash\"  # and a comment\n"
      "HASH_IN_WORD=a#b\n"
      "EMPTY=\n"
      "   # indented comment\n"
      "  INDENTED=yes  \n"
      "EQUALS_IN_VALUE=a=b=c\n";
  const std::map<std::string, std::string> expected = {
      {"DASHBOARD_DATABASE_URL", "postgres://app:pw@db/dashboard"},
      {"PLAIN", "two words"},
      {"SINGLE", "literal $HOME \\n kept"},
      {"DOUBLE", "line\nnext\ttab \"quoted\" back\\slash"},
      {"HASH_IN_QUOTES", "has # hash"},
      {"HASH_IN_WORD", "a#b"},
      {"EMPTY", ""},
      {"INDENTED", "yes"},
      {"EQUALS_IN_VALUE", "a=b=c"},
  };
  CHECK(parse_env_file(text, ".env") == expected);
}

TEST_CASE("CRLF line endings do not leak into values", "[unit]") {
  const auto variables = parse_env_file("A=1\r\nB='two'\r\nC=\"three\"\r\n", ".env");
  CHECK(variables == std::map<std::string, std::string>{{"A", "1"}, {"B", "two"}, {"C", "three"}});
}

TEST_CASE("a later assignment of the same key wins", "[unit]") {
  CHECK(parse_env_file("A=1\nA=2\n", ".env").at("A") == "2");
}

TEST_CASE("an empty or comment-only file has no variables", "[unit]") {
  CHECK(parse_env_file("", ".env").empty());
  CHECK(parse_env_file("# nothing\n\n   \n", ".env").empty());
}

TEST_CASE("a bad .env line is a config error naming the file and line", "[unit]") {
  struct Case {
    std::string text;
    int line;
  };
  const Case cases[] = {
      {"A=1\nB=2\nNOT A LINE\n", 3},
      {"JUSTAKEY\n", 1},
      {"A=1\n1KEY=x\n", 2},
      {"BAD KEY=x\n", 1},
      {"BAD-KEY=x\n", 1},
      {"=value\n", 1},
      {"A=1\n\n# comment\nOPEN=\"unterminated\n", 4},
      {"OPEN='unterminated\n", 1},
      {"TRAILING='x' junk\n", 1},
      {"TRAILING=\"x\" junk\n", 1},
  };
  for (const Case& c : cases) {
    INFO("text: " << c.text);
    try {
      parse_env_file(c.text, "/srv/project/.env");
      FAIL("no ConfigError");
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      CHECK(message.find("/srv/project/.env:" + std::to_string(c.line) + ":") != std::string::npos);
    }
  }
}

TEST_CASE("Environment::get returns set values and treats empty as unset", "[unit]") {
  const Environment env({{"SET", "value"}, {"EMPTY", ""}});
  CHECK(env.get("SET") == std::optional<std::string>("value"));
  CHECK_FALSE(env.get("EMPTY"));
  CHECK_FALSE(env.get("MISSING"));
  CHECK_FALSE(Environment().get("SET"));
}
