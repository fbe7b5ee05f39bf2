// The manifest: parsing, validation, service order, paths and database URL resolution.
#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"


#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "migrate/config/manifest.hpp"
#include "migrate/util/error.hpp"

namespace fs = std::filesystem;
using migrate::ConfigError;
using migrate::Dialect;
using migrate::UsageError;
using migrate::config::Environment;
using migrate::config::Manifest;
using migrate::config::parse_manifest;
using Names = std::vector<std::string>;

namespace {

const fs::path k_manifest_path = "/srv/project/migrate.toml";

const std::string k_design_example = R"(
[defaults]
backup_dir = "migration-backups"
audit_log = "migration-audit.log"
keep_backups = 10            # per service
lock_stale_after = "10min"

[services.dashboard]
migrations = "services/dashboard/migrations"
database_url_env = "DASHBOARD_DATABASE_URL"   # unset -> sqlite:var/dashboard.db
depends_on = []

[services.stream-bot]
migrations = "services/stream-bot/migrations"
database_url_env = "STREAM_BOT_DATABASE_URL"
depends_on = ["dashboard"]

[services.discord-bot]
migrations = "services/discord-bot/migrations"
database_url_env = "DISCORD_BOT_DATABASE_URL"
depends_on = ["dashboard"]
)";

Manifest parse(const std::string& text) { return parse_manifest(text, k_manifest_path); }

Names names_of(const Manifest& manifest) {
  Names names;
  for (const auto& service : manifest.services) names.push_back(service.name);
  return names;
}

std::string config_error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("no ConfigError for:\n" << text);
  return {};
}

bool has_location(const std::string& message, int line) {
  return std::regex_search(message, std::regex("/srv/project/migrate\\.toml:" + std::to_string(line) + ":[0-9]+: "));
}

}  // namespace

TEST_CASE("the DESIGN example manifest loads with absolute paths and its defaults", "[unit]") {
  const Manifest manifest = parse(k_design_example);
  CHECK(manifest.path == k_manifest_path);
  CHECK(manifest.dir == "/srv/project");
  CHECK(names_of(manifest) == Names{"dashboard", "stream-bot", "discord-bot"});

  CHECK(manifest.defaults.backup_dir.lexically_normal() == "/srv/project/migration-backups");
  CHECK(manifest.defaults.audit_log.lexically_normal() == "/srv/project/migration-audit.log");
  CHECK(manifest.defaults.keep_backups == 10);
  CHECK(manifest.defaults.lock_stale_after == std::chrono::minutes(10));

  const auto& stream_bot = manifest.service("stream-bot");
  CHECK(stream_bot.migrations_dir == "/srv/project/services/stream-bot/migrations");
  CHECK(stream_bot.database_url_env == "STREAM_BOT_DATABASE_URL");
  CHECK_FALSE(stream_bot.database_url);
  CHECK(stream_bot.depends_on == Names{"dashboard"});
  CHECK(manifest.service("dashboard").depends_on.empty());
}

TEST_CASE("services follow dependencies, then the order they are written in", "[unit]") {
  struct Case {
    const char* description;
    std::string text;
    Names expected;
  };
  const Case cases[] = {
      {"dependents first, keys inside tables reordered",
       R"([services.stream-bot]
depends_on = ["dashboard"]
migrations = "services/stream-bot/migrations"

[services.discord-bot]
depends_on = ["dashboard"]
migrations = "services/discord-bot/migrations"

[services.dashboard]
migrations = "services/dashboard/migrations"
)",
       {"dashboard", "stream-bot", "discord-bot"}},
      {"discord-bot written before stream-bot goes first",
       R"([services.dashboard]
migrations = "d"
[services.discord-bot]
migrations = "b"
depends_on = ["dashboard"]
[services.stream-bot]
migrations = "s"
depends_on = ["dashboard"]
)",
       {"dashboard", "discord-bot", "stream-bot"}},
      {"independent services in reverse alphabetical order",
       "[services.zeta]\nmigrations = \"z\"\n[services.beta]\nmigrations = \"b\"\n[services.alpha]\nmigrations = \"a\"\n",
       {"zeta", "beta", "alpha"}},
      {"services as dotted keys",
       "[services]\nzeta.migrations = \"z\"\nalpha.migrations = \"a\"\n",
       {"zeta", "alpha"}},
      {"services as inline tables",
       "services = { zeta = { migrations = \"z\" }, alpha = { migrations = \"a\" } }\n",
       {"zeta", "alpha"}},
  };
  for (const Case& c : cases) {
    INFO(c.description);
    CHECK(names_of(parse(c.text)) == c.expected);
  }
}

TEST_CASE("a dependency cycle in the manifest is a config error naming the cycle", "[unit]") {
  const std::string two = config_error_of(R"([services.a]
migrations = "a"
depends_on = ["b"]
[services.b]
migrations = "b"
depends_on = ["a"]
)");
  CHECK(two.find("/srv/project/migrate.toml") != std::string::npos);
  CHECK(two.find("a -> b -> a") != std::string::npos);

  const std::string self = config_error_of("[services.a]\nmigrations = \"a\"\ndepends_on = [\"a\"]\n");
  CHECK(self.find("a -> a") != std::string::npos);
}

TEST_CASE("a dependency on an unknown service is a config error naming it", "[unit]") {
  const std::string message =
      config_error_of("[services.dashboard]\nmigrations = \"d\"\ndepends_on = [\"dashbaord\"]\n");
  CHECK(message.find("/srv/project/migrate.toml") != std::string::npos);
  CHECK(message.find("'dashbaord'") != std::string::npos);
}

TEST_CASE("malformed TOML is reported with file:line:column", "[unit]") {
  struct Case {
    std::string text;
    int line;
  };
  const Case cases[] = {
      {"[defaults]\nkeep_backups = 10\nlock_stale_after = \"10min\n", 3},
      {"[services.a]\nmigrations = \"a\"\n[services.a\n", 3},
      {"[services.a]\nmigrations = \"a\"\nmigrations = \"b\"\n", 3},
      {"[services.a]\nmigrations = = \"a\"\n", 2},
  };
  for (const Case& c : cases) {
    INFO("text:\n" << c.text);
    const std::string message = config_error_of(c.text);
    INFO("message: " << message);
    CHECK(has_location(message, c.line));
  }
}

TEST_CASE("unknown keys are rejected with their location", "[unit]") {
  struct Case {
    std::string text;
    std::string key;
    int line;
  };
  const Case cases[] = {
      {"[services.a]\nmigrations = \"a\"\nmigration = \"typo\"\n", "migration", 3},
      {"[defaults]\nkeep_backup = 3\n[services.a]\nmigrations = \"a\"\n", "keep_backup", 2},
      {"version = 1\n[services.a]\nmigrations = \"a\"\n", "version", 1},
      {"[services.a]\nmigrations = \"a\"\ndepends = [\"b\"]\n", "depends", 3},
  };
  for (const Case& c : cases) {
    INFO("text:\n" << c.text);
    const std::string message = config_error_of(c.text);
    INFO("message: " << message);
    CHECK(message.find("unknown key '" + c.key + "'") != std::string::npos);
    CHECK(has_location(message, c.line));
  }
}

TEST_CASE("invalid service names are rejected", "[unit]") {
  for (const std::string& header :
       {std::string("[services.\"my service\"]"), std::string("[services.\"bad'quote\"]"),
        std::string("[services.'say \"hi\"']"), std::string("[services.\"a.b\"]"),
        std::string("[services.\"-leading-dash\"]"), std::string("[services.\"\"]"),
        std::string("[services.\"semi;colon\"]"), std::string("[services.\"" + std::string(64, 'a') + "\"]")}) {
    INFO("header: " << header);
    const std::string message = config_error_of(header + "\nmigrations = \"m\"\n");
    CHECK(message.find("invalid service name") != std::string::npos);
    CHECK(has_location(message, 1));
  }
}

TEST_CASE("service names of letters, digits, dashes and underscores up to 63 long are accepted", "[unit]") {
  for (const std::string& name : {std::string("a"), std::string("stream-bot"), std::string("svc_2"),
                                  std::string("9lives"), std::string(63, 'x')}) {
    INFO("name: " << name);
    CHECK(names_of(parse("[services." + name + "]\nmigrations = \"m\"\n")) == Names{name});
  }
}

TEST_CASE("keep_backups must be a whole number from 1 to 100000", "[unit]") {
  for (const char* bad : {"0", "-3", "100001", "\"10\"", "2.5", "true"}) {
    INFO("keep_backups = " << bad);
    const std::string message =
        config_error_of(std::string("[defaults]\nkeep_backups = ") + bad + "\n[services.a]\nmigrations = \"a\"\n");
    CHECK(message.find("keep_backups") != std::string::npos);
    CHECK(has_location(message, 2));
  }
  for (int good : {1, 7, 100000}) {
    INFO("keep_backups = " << good);
    const Manifest manifest = parse("[defaults]\nkeep_backups = " + std::to_string(good) +
                                    "\n[services.a]\nmigrations = \"a\"\n");
    CHECK(manifest.defaults.keep_backups == good);
  }
}

TEST_CASE("lock_stale_after must be a positive duration string", "[unit]") {
  for (const char* bad : {"\"0s\"", "\"soon\"", "\"-1s\"", "\"\"", "600", "\"5x\""}) {
    INFO("lock_stale_after = " << bad);
    const std::string message = config_error_of(std::string("[defaults]\nlock_stale_after = ") + bad +
                                                "\n[services.a]\nmigrations = \"a\"\n");
    CHECK(message.find("lock_stale_after") != std::string::npos);
    CHECK(has_location(message, 2));
  }
  const Manifest manifest = parse("[defaults]\nlock_stale_after = \"30s\"\n[services.a]\nmigrations = \"a\"\n");
  CHECK(manifest.defaults.lock_stale_after == std::chrono::seconds(30));
}

TEST_CASE("defaults apply when the manifest has no [defaults] table", "[unit]") {
  const Manifest manifest = parse("[services.a]\nmigrations = \"a\"\n");
  CHECK(manifest.defaults.backup_dir.lexically_normal() == "/srv/project/migration-backups");
  CHECK(manifest.defaults.audit_log.lexically_normal() == "/srv/project/migration-audit.log");
  CHECK(manifest.defaults.keep_backups == 10);
  CHECK(manifest.defaults.lock_stale_after == std::chrono::minutes(10));
}

TEST_CASE("relative paths are resolved against the manifest's folder", "[unit]") {
  const Manifest manifest = parse(R"([defaults]
backup_dir = "../backups"
audit_log = "/var/log/migrate-audit.log"

[services.a]
migrations = "./services/a/../a/migrations"

[services.b]
migrations = "/opt/b/migrations"
)");
  CHECK(manifest.defaults.backup_dir.lexically_normal() == "/srv/backups");
  CHECK(manifest.defaults.audit_log.lexically_normal() == "/var/log/migrate-audit.log");
  CHECK(manifest.service("a").migrations_dir == "/srv/project/services/a/migrations");
  CHECK(manifest.service("b").migrations_dir == "/opt/b/migrations");
}

TEST_CASE("a relative manifest path becomes absolute", "[unit]") {
  const Manifest manifest = parse_manifest("[services.a]\nmigrations = \"m\"\n", "migrate.toml");
  CHECK(manifest.path.is_absolute());
  CHECK(manifest.service("a").migrations_dir.is_absolute());
  CHECK(manifest.service("a").migrations_dir == manifest.dir / "m");
}

TEST_CASE("badly typed or missing service settings are config errors", "[unit]") {
  struct Case {
    std::string text;
    std::string mentions;
  };
  const Case cases[] = {
      {"[services.a]\ndatabase_url_env = \"A_URL\"\n", "migrations"},
      {"[services.a]\nmigrations = \"\"\n", "migrations"},
      {"[services.a]\nmigrations = 3\n", "migrations"},
      {"[services.a]\nmigrations = \"a\"\ndepends_on = \"b\"\n", "depends_on"},
      {"[services.a]\nmigrations = \"a\"\ndepends_on = [1]\n", "depends_on"},
      {"[services.a]\nmigrations = \"a\"\ndatabase_url_env = 5\n", "database_url_env"},
      {"[services.a]\nmigrations = \"a\"\ndatabase_url = false\n", "database_url"},
      {"[services]\na = 1\n", "[services.a]"},
      {"defaults = 1\n[services.a]\nmigrations = \"a\"\n", "[defaults]"},
      {"[defaults]\nkeep_backups = 3\n", "no [services"},
      {"", "no [services"},
      {"services = 1\n", "no [services"},
  };
  for (const Case& c : cases) {
    INFO("text:\n" << c.text);
    const std::string message = config_error_of(c.text);
    INFO("message: " << message);
    CHECK(message.find("/srv/project/migrate.toml") != std::string::npos);
    CHECK(message.find(c.mentions) != std::string::npos);
  }
}

TEST_CASE("looking up an unknown service is a usage error listing the known ones", "[unit]") {
  const Manifest manifest = parse(k_design_example);
  CHECK(manifest.find("dashboard") != nullptr);
  CHECK(manifest.find("nope") == nullptr);
  try {
    manifest.service("dashbord");
    FAIL("no UsageError");
  } catch (const UsageError& e) {
    const std::string message = e.what();
    CHECK(message.find("'dashbord'") != std::string::npos);
    CHECK(message.find("dashboard, stream-bot, discord-bot") != std::string::npos);
  }
}

TEST_CASE("load_manifest reads the file and reports a missing one as a config error", "[unit]") {
  migrate::test::TempDir folder;
  const fs::path path = folder.path() / "migrate.toml";
  {
    std::ofstream out(path);
    out << "[services.a]\nmigrations = \"services/a/migrations\"\n";
  }
  const Manifest manifest = migrate::config::load_manifest(path);
  CHECK(manifest.dir == folder.path());
  CHECK(manifest.service("a").migrations_dir == folder.path() / "services/a/migrations");

  try {
    migrate::config::load_manifest(folder.path() / "missing.toml");
    FAIL("no ConfigError");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("missing.toml") != std::string::npos);
  }
}

TEST_CASE("the database URL comes from the override, DATABASE_URL, the service variable, the manifest, then sqlite", "[unit]") {
  const Manifest manifest = parse(R"([services.dashboard]
migrations = "m"
database_url_env = "DASHBOARD_DATABASE_URL"
database_url = "sqlite:from-manifest.db"

[services.plain]
migrations = "p"
)");
  const auto& dashboard = manifest.service("dashboard");
  struct Case {
    const char* description;
    std::map<std::string, std::string> variables;
    std::optional<std::string> override_url;
    fs::path expected;
  };
  const Case cases[] = {
      {"override beats everything",
       {{"DATABASE_URL", "sqlite:global.db"}, {"DASHBOARD_DATABASE_URL", "sqlite:service.db"}},
       "sqlite:override.db", "/srv/project/override.db"},
      {"DATABASE_URL beats the service variable",
       {{"DATABASE_URL", "sqlite:global.db"}, {"DASHBOARD_DATABASE_URL", "sqlite:service.db"}},
       std::nullopt, "/srv/project/global.db"},
      {"the service variable beats the manifest",
       {{"DASHBOARD_DATABASE_URL", "sqlite:service.db"}}, std::nullopt, "/srv/project/service.db"},
      {"the manifest's database_url when no variable is set", {}, std::nullopt, "/srv/project/from-manifest.db"},
  };
  for (const Case& c : cases) {
    INFO(c.description);
    const auto url = migrate::config::resolve_database_url(manifest, dashboard, Environment(c.variables), c.override_url);
    CHECK(url.dialect == Dialect::sqlite);
    CHECK(url.sqlite_path == c.expected);
  }

  // Set but empty is not unset: docker compose and systemd give a missing secret so.
  for (const char* name : {"DATABASE_URL", "DASHBOARD_DATABASE_URL"}) {
    INFO(name << " set but empty");
    const Environment empty(std::map<std::string, std::string>{{name, ""}});
    CHECK_THROWS_WITH(migrate::config::resolve_database_url(manifest, dashboard, empty, std::nullopt),
                      Catch::StartsWith(std::string(name) + " is set but empty"));
  }

  const auto fallback = migrate::config::resolve_database_url(manifest, manifest.service("plain"), Environment(), std::nullopt);
  CHECK(fallback.dialect == Dialect::sqlite);
  CHECK(fallback.sqlite_path == "/srv/project/var/plain.db");

  const auto postgres = migrate::config::resolve_database_url(
      manifest, dashboard, Environment(std::map<std::string, std::string>{{"DASHBOARD_DATABASE_URL", "postgres://app:pw@db/dash"}}), std::nullopt);
  CHECK(postgres.dialect == Dialect::postgres);
  CHECK(postgres.redacted == "postgres://app:***@db/dash");
}

TEST_CASE("a bad URL in a variable is a usage error naming the variable, not the password", "[unit]") {
  const Manifest manifest = parse("[services.a]\nmigrations = \"m\"\ndatabase_url_env = \"A_URL\"\n");
  try {
    migrate::config::resolve_database_url(manifest, manifest.service("a"),
                                          Environment(std::map<std::string, std::string>{{"A_URL", "mysql://root:hunter2@db/a"}}), std::nullopt);
    FAIL("no UsageError");
  } catch (const UsageError& e) {
    const std::string message = e.what();
    CHECK(message.find("A_URL") != std::string::npos);
    CHECK(message.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("service names that differ only in case are a config error naming both", "[unit]") {
  const std::string message =
      config_error_of("[services.App]\nmigrations = \"a\"\n[services.app]\nmigrations = \"b\"\n");
  CHECK_THAT(message, Catch::Contains("'App'") && Catch::Contains("'app'") && Catch::Contains("differ only in case"));
  CHECK(names_of(parse("[services.app]\nmigrations = \"a\"\n[services.app2]\nmigrations = \"b\"\n")).size() == 2);
}

TEST_CASE("service names that are fields of the JSON envelope are reserved", "[unit]") {
  for (const char* name : {"success", "services", "exit_code", "error"}) {
    INFO(name);
    CHECK_THAT(config_error_of(std::string("[services.") + name + "]\nmigrations = \"a\"\n"),
               Catch::Contains("is reserved"));
  }
}

TEST_CASE("[defaults] history_table names migrate's history table, schema_migrations unless set", "[unit]") {
  const Manifest plain = parse("[services.a]\nmigrations = \"a\"\n");
  CHECK(plain.defaults.history_table == "schema_migrations");
  CHECK(migrate::config::resolve_database_url(plain, plain.service("a"), Environment(), std::nullopt).history_table ==
        "schema_migrations");

  const Manifest named = parse("[defaults]\nhistory_table = \"migrate_history\"\n[services.a]\nmigrations = \"a\"\n");
  CHECK(named.defaults.history_table == "migrate_history");
  // Every way of reaching the database carries it, --database-url too.
  for (const std::optional<std::string>& override_url :
       {std::optional<std::string>(), std::optional<std::string>("postgres://app:pw@db/app")}) {
    CHECK(migrate::config::resolve_database_url(named, named.service("a"), Environment(), override_url).history_table ==
          "migrate_history");
  }
}

TEST_CASE("a history_table that is not a plain lower-case identifier is a config error naming the setting",
          "[unit]") {
  for (const char* bad : {"\"\"", "\"Migrate_History\"", "\"public.history\"", "\"1history\"", "\"his tory\"",
                          "\"history;drop\"", "\"migration_lock\"", "\"sqlite_history\"", "5",
                          "\"a123456789012345678901234567890123456789012345678901234567890123\""}) {
    INFO(bad);
    const std::string message =
        config_error_of(std::string("[defaults]\nhistory_table = ") + bad + "\n[services.a]\nmigrations = \"a\"\n");
    CHECK(has_location(message, 2));
    CHECK_THAT(message, Catch::Contains("history_table"));
  }
  for (const char* good : {"migrate_history", "_history", "h", "history_2"}) {
    INFO(good);
    CHECK(parse(std::string("[defaults]\nhistory_table = \"") + good + "\"\n[services.a]\nmigrations = \"a\"\n")
              .defaults.history_table == good);
  }
}
