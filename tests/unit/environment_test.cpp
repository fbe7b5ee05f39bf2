// .env parsing and the Environment lookup.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "migrate/config/environment.hpp"
#include "migrate/config/manifest.hpp"
#include "migrate/util/error.hpp"
#include "support/temp_dir.hpp"

using migrate::ConfigError;
using migrate::UsageError;
using migrate::config::Environment;
using migrate::config::parse_env_file;

namespace {

// Sets a variable of this process for a scope; a name of its own, so no other test sees it.
class ScopedVariable {
 public:
  ScopedVariable(std::string name, const std::string& value) : m_name(std::move(name)) {
    if (const char* old = std::getenv(m_name.c_str())) m_old = old;
    ::setenv(m_name.c_str(), value.c_str(), 1);
  }
  ~ScopedVariable() {
    if (m_old) {
      ::setenv(m_name.c_str(), m_old->c_str(), 1);
    } else {
      ::unsetenv(m_name.c_str());
    }
  }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;
  const std::string& name() const { return m_name; }

 private:
  std::string m_name;
  std::optional<std::string> m_old;
};

std::string unique_name(const std::string& stem) { return stem + "_" + std::to_string(::getpid()); }

// The message of the error that resolving service `alpha`'s URL throws, "" when none.
std::string resolve_error(const std::filesystem::path& dir, const std::string& env_name,
                          const std::optional<std::string>& override_url = std::nullopt) {
  const migrate::config::Manifest manifest = migrate::config::parse_manifest(
      "[services.alpha]\nmigrations = \"m\"\ndatabase_url_env = \"" + env_name + "\"\n", dir / "migrate.toml");
  try {
    const Environment env = Environment::from_process(dir / ".env");
    migrate::config::resolve_database_url(manifest, manifest.services.front(), env, override_url);
  } catch (const UsageError& e) {
    CHECK(e.code() == migrate::ExitCode::usage);
    return e.what();
  }
  return {};
}

}  // namespace

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

TEST_CASE("a URL variable that is set but empty is an error, not the SQLite default", "[unit]") {
  const migrate::test::TempDir dir;
  const ScopedVariable alpha(unique_name("ALPHA_URL"), "");
  CHECK_THAT(resolve_error(dir.path(), alpha.name()), Catch::StartsWith(alpha.name() + " is set but empty"));
  SECTION("the process environment wins over .env, even with an empty value") {
    dir.write(".env", alpha.name() + "=sqlite:from-dotenv.db\n");
    CHECK_THAT(resolve_error(dir.path(), alpha.name()), Catch::StartsWith(alpha.name() + " is set but empty"));
  }
  SECTION("DATABASE_URL set but empty") {
    const ScopedVariable database_url("DATABASE_URL", "");
    CHECK_THAT(resolve_error(dir.path(), alpha.name()), Catch::StartsWith("DATABASE_URL is set but empty"));
  }
  SECTION("--database-url ''") {
    CHECK_THAT(resolve_error(dir.path(), alpha.name(), std::string()),
               Catch::StartsWith("--database-url is set but empty"));
  }
}

TEST_CASE("an empty URL in .env names the file", "[unit]") {
  const migrate::test::TempDir dir;
  const std::string name = unique_name("BETA_URL");
  dir.write(".env", name + "=\n");
  CHECK(resolve_error(dir.path(), name) == name + " is set but empty; give it a database URL, or unset it (" + name +
                                                 " is set in " + (dir.path() / ".env").string() + ")");
}

TEST_CASE("an unset URL variable still falls back to the default", "[unit]") {
  const migrate::test::TempDir dir;
  CHECK(resolve_error(dir.path(), unique_name("UNSET_URL")).empty());
}

TEST_CASE("a .env that is a directory, a dangling link or a file with a bad line is an error naming it", "[unit]") {
  const migrate::test::TempDir dir;
  const std::filesystem::path dotenv = dir.path() / ".env";
  std::string needle;
  SECTION("a directory") {
    std::filesystem::create_directory(dotenv);
    needle = dotenv.string() + " is not a regular file but a directory";
  }
  SECTION("a dangling symbolic link") {
    std::filesystem::create_symlink(dir.path() / "missing", dotenv);
    needle = dotenv.string() + " is a symbolic link to nothing";
  }
  SECTION("a malformed line") {
    dir.write(".env", "GOOD=1\nthis is not an assignment\n");
    needle = dotenv.string() + ":2: expected KEY=VALUE";
  }
  try {
    Environment::from_process(dotenv);
    FAIL("no error for " << needle);
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains(needle));
    CHECK(e.code() == migrate::ExitCode::usage);
  }
}

TEST_CASE("is_set tells an empty value from an unset one, and origin names .env", "[unit]") {
  const migrate::test::TempDir dir;
  const std::string from_file = unique_name("FROM_FILE");
  const ScopedVariable from_process(unique_name("FROM_PROCESS"), "");
  dir.write(".env", from_file + "=x\n" + from_process.name() + "=y\n");
  const Environment env = Environment::from_process(dir.path() / ".env");
  CHECK(env.is_set(from_file));
  CHECK(env.is_set(from_process.name()));
  CHECK_FALSE(env.get(from_process.name()));
  CHECK_FALSE(env.is_set(unique_name("NOT_SET")));
  CHECK(env.origin(from_file) == dir.path() / ".env");
  CHECK(env.origin(from_process.name()).empty());
}
