// The repository's own migrate.toml and services/: three services, each on its own
// database, round-tripped on both dialects.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <regex>
#include <set>

#include "cli/cli_fixtures.hpp"

using migrate::Dialect;
using namespace migrate::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> k_services{"dashboard", "stream-bot", "discord-bot"};

const std::map<std::string, std::string> k_url_variables{{"dashboard", "DASHBOARD_DATABASE_URL"},
                                                         {"stream-bot", "STREAM_BOT_DATABASE_URL"},
                                                         {"discord-bot", "DISCORD_BOT_DATABASE_URL"}};

// Tables the issue asks each sample service to create (a subset for stream-bot).
const std::map<std::string, std::vector<std::string>> k_expected_tables{
    {"dashboard",
     {"bot_settings", "settings_history", "reminders", "onboarding", "guild_onboarding_questions", "guild_rules",
      "support_tickets", "faq_entries", "faq_search_logs", "audit_logs", "health_check_history",
      "user_preferences"}},
    {"stream-bot", {"platform_users", "giveaway_entry_attempts"}},
    {"discord-bot",
     {"guild", "guild_config", "cases", "snippet", "reminder", "afk", "levels", "starboard", "starboard_message",
      "permission_ranks", "permission_assignments", "permission_commands"}}};

// Copies the repository's manifest and services/ (not .env, not var/) into dir.
void copy_samples(const fs::path& dir) {
  const fs::path source(MIGRATE_SOURCE_DIR);
  REQUIRE(fs::is_regular_file(source / "migrate.toml"));
  REQUIRE(fs::is_directory(source / "services"));
  fs::copy_file(source / "migrate.toml", dir / "migrate.toml");
  fs::copy(source / "services", dir / "services", fs::copy_options::recursive);
}

// The distinct revision versions on disk for a service.
std::set<int> versions_on_disk(const fs::path& dir, const std::string& service) {
  std::set<int> versions;
  for (const auto& entry : fs::directory_iterator(dir / "services" / service / "migrations")) {
    const std::string name = entry.path().filename().string();
    const std::size_t digits = name.find('_');
    if (digits == 4 && name.find_first_not_of("0123456789") == digits) versions.insert(std::stoi(name.substr(0, 4)));
  }
  return versions;
}

std::string padded(int version) { return stem(version, "").substr(0, 4); }

// Services named on the "applied <service> NNNN_name" lines of `up`, in order, without repeats.
std::vector<std::string> applied_order(const std::string& out) {
  static const std::regex applied_line(R"(^applied\s+(\S+)\s+\d{4,}_)");
  std::vector<std::string> order;
  for (const std::string& line : lines_of(out)) {
    std::smatch match;
    if (!std::regex_search(line, match, applied_line)) continue;
    if (order.empty() || order.back() != match[1].str()) order.push_back(match[1].str());
  }
  return order;
}

}  // namespace

TEST_CASE("the sample services go up in dependency order, down --all to nothing, and up again", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  TempDir dir;
  copy_samples(dir.path());

  std::map<std::string, std::unique_ptr<TestDatabase>> databases;
  CliOptions options;
  std::map<std::string, std::set<int>> versions;
  int total = 0;
  for (const std::string& service : k_services) {
    databases[service] = make_test_database(dialect);
    options.env[k_url_variables.at(service)] = databases[service]->url();
    versions[service] = versions_on_disk(dir.path(), service);
    REQUIRE_FALSE(versions[service].empty());
    total += static_cast<int>(versions[service].size());
  }
  CHECK(*versions["dashboard"].rbegin() == 6);
  CHECK(*versions["stream-bot"].rbegin() == 4);
  const auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", (dir.path() / "migrate.toml").string()});
    CliResult result = run_migrate(args, options);
    for (const auto& entry : databases) check_no_password(result, entry.second->url());
    return result;
  };

  std::map<std::string, std::string> schemas_after_up;
  for (int round = 1; round <= 2; ++round) {
    INFO("round " << round);
    const CliResult up = run({"up", "--yes"});
    REQUIRE_EXIT(up, 0);
    CHECK(applied_order(up.out) == k_services);

    const CliResult st = run({"status", "--json"});
    REQUIRE_EXIT(st, 0);
    const nlohmann::json document = parse_json(st);
    CHECK(document["success"] == true);
    CHECK(document["overall_status"] == "up_to_date");
    CHECK(document["total_pending"] == 0);
    for (const std::string& service : k_services) {
      INFO("service " << service);
      const int latest = *versions[service].rbegin();
      check_service_status(document, service, "up_to_date", padded(latest), padded(latest),
                           static_cast<int>(versions[service].size()), 0);
      TestDatabase& db = *databases[service];
      const std::vector<std::string> tables = db.user_tables();
      for (const std::string& table : k_expected_tables.at(service)) {
        CHECK(std::find(tables.begin(), tables.end(), table) != tables.end());
      }
      // Each database holds its own service's history only.
      CHECK(db.scalar("SELECT count(DISTINCT service) FROM schema_migrations") == "1");
      CHECK(db.history(service).size() == versions[service].size());
      const std::string schema = db.schema();
      if (round == 1) schemas_after_up[service] = schema;
      else CHECK(schema == schemas_after_up[service]);
    }
    CHECK_EXIT(run({"verify"}), 0);
    CHECK_EXIT(run({"up", "--yes"}), 0);

    // Dependents first.
    for (auto it = k_services.rbegin(); it != k_services.rend(); ++it) {
      INFO("down --all " << *it);
      const CliResult down = run({"down", *it, "--all", "--yes"});
      CHECK_EXIT(down, 0);
      TestDatabase& db = *databases[*it];
      CHECK(db.user_tables().empty());
      CHECK(db.scalar("SELECT count(*) FROM schema_migrations") == "0");
    }
    const CliResult after = run({"status", "--json"});
    REQUIRE_EXIT(after, 0);
    const nlohmann::json pending = parse_json(after);
    CHECK(pending["overall_status"] == "pending");
    CHECK(pending["total_pending"] == total);
  }
  const CliResult final_up = run({"up", "--yes"});
  CHECK_EXIT(final_up, 0);
}

TEST_CASE("with no URL configured, the sample services use SQLite files under var/ beside the manifest",
          "[cli]") {
  TempDir dir;
  copy_samples(dir.path());
  TempDir elsewhere;
  CliOptions options;
  options.cwd = elsewhere.path();
  const std::string config = (dir.path() / "migrate.toml").string();

  const CliResult up = run_migrate({"up", "--yes", "--config", config}, options);
  REQUIRE_EXIT(up, 0);
  for (const std::string& service : k_services) {
    CHECK(fs::is_regular_file(dir.path() / "var" / (service + ".db")));
  }
  CHECK_FALSE(fs::exists(elsewhere.path() / "var"));

  const CliResult st = run_migrate({"status", "--json", "--config", config}, options);
  REQUIRE_EXIT(st, 0);
  CHECK(parse_json(st)["overall_status"] == "up_to_date");
}
