// The audit log written by real runs of the binary: a scripted session of up, a refused
// prompt, a failing revision and a down has exactly the expected lines, each valid JSON,
// and the PostgreSQL password appears in no line and in no output.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "integration/integration_support.hpp"

namespace migrate::itest {

namespace {

const std::vector<std::string> k_fields{"ts",      "user",  "host", "command",     "service",
                                        "version", "event", "ok",   "duration_ms", "error"};

struct Expected {
  std::string command;
  std::string event;
  std::string service;  ///< "" = null
  std::string version;  ///< "" = null
  bool ok = true;
  std::string error;  ///< "" = null; otherwise a substring of the error
};

// Checks the shape every audit line must have.
void check_line_shape(const nlohmann::json& line) {
  INFO("audit line: " << line.dump());
  for (const std::string& field : k_fields) {
    INFO("field " << field);
    CHECK(line.contains(field));
  }
  for (const auto& item : line.items()) {
    INFO("unexpected field " << item.key());
    CHECK((std::find(k_fields.begin(), k_fields.end(), item.key()) != k_fields.end() || item.key() == "detail"));
  }
  static const std::regex iso(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  REQUIRE(line["ts"].is_string());
  CHECK(std::regex_match(line["ts"].get<std::string>(), iso));
  CHECK(line["user"].is_string());
  CHECK_FALSE(line["user"].get<std::string>().empty());
  CHECK(line["host"].is_string());
  CHECK_FALSE(line["host"].get<std::string>().empty());
  CHECK(line["ok"].is_boolean());
  CHECK((line["duration_ms"].is_null() || (line["duration_ms"].is_number_integer() && line["duration_ms"] >= 0)));
  CHECK((line["error"].is_null() || line["error"].is_string()));
  CHECK((line["service"].is_null() || line["service"].is_string()));
  CHECK((line["version"].is_null() || line["version"].is_string()));
}

void check_events(const std::vector<nlohmann::json>& lines, const std::vector<Expected>& expected) {
  std::string actual_list;
  for (const nlohmann::json& line : lines) {
    actual_list += line["command"].dump() + " " + line["event"].dump() + " " + line["service"].dump() + " " +
                   line["version"].dump() + "\n";
  }
  INFO("audit events:\n" << actual_list);
  REQUIRE(lines.size() == expected.size());
  std::string previous_ts;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const nlohmann::json& line = lines[i];
    const Expected& want = expected[i];
    INFO("line " << i + 1 << ": " << line.dump());
    check_line_shape(line);
    CHECK(line["command"] == want.command);
    CHECK(line["event"] == want.event);
    if (want.service.empty()) CHECK(line["service"].is_null());
    else CHECK(line["service"] == want.service);
    if (want.version.empty()) CHECK(line["version"].is_null());
    else CHECK(line["version"] == want.version);
    CHECK(line["ok"] == want.ok);
    if (want.error.empty()) {
      CHECK(line["error"].is_null());
    } else {
      REQUIRE(line["error"].is_string());
      CHECK_THAT(line["error"].get<std::string>(), Catch::Contains(want.error));
    }
    // Timed events carry their duration.
    if (want.event == "apply" || want.event == "rollback" || want.event == "done" ||
        (want.event == "backup" && want.ok)) {
      CHECK(line["duration_ms"].is_number_integer());
    }
    const std::string ts = line["ts"].get<std::string>();
    CHECK(ts >= previous_ts);
    previous_ts = ts;
    if (i > 0) {
      CHECK(line["user"] == lines[0]["user"]);
      CHECK(line["host"] == lines[0]["host"]);
    }
  }
}

// The four-run session of the issue; returns every run's result.
// How the second run's prompt goes.
enum class Prompt {
  no_terminal,  ///< no terminal and no --yes: refused with exit 2
  declined,     ///< a terminal, answered "n": cancelled with exit 2 (not confirmed)
};

std::vector<test::CliResult> scripted_session(const Project& project, test::TestDatabase& db,
                                              const std::string& url, const std::string& failing_sql,
                                              Prompt prompt = Prompt::no_terminal) {
  std::vector<test::CliResult> results;
  test::CliOptions with_env;
  with_env.env["APP_DATABASE_URL"] = url;
  project.add("app", 1, "users", "CREATE TABLE users (id integer PRIMARY KEY);\nINSERT INTO users VALUES (1);\n",
              "DROP TABLE users;\n");
  project.add("app", 2, "posts", "CREATE TABLE posts (id integer);\n", "DROP TABLE posts;\n");

  // 1. up, confirmed with --yes; the URL on the command line.
  results.push_back(project.run({"--database-url", url, "up", "--yes"}));
  ITEST_CHECK_EXIT(results.back(), 0);

  // 2. up with pending work, not confirmed: nothing changes, no backup is taken.
  project.add("app", 3, "tags", "CREATE TABLE tags (name text);\n", "DROP TABLE tags;\n");
  project.add("app", 4, "broken", failing_sql, "SELECT 1;\n");
  const Snapshot before = snapshot(db);
  const auto backups_before = project.backup_entries();
  if (prompt == Prompt::no_terminal) {
    results.push_back(project.run({"up"}, with_env));
    ITEST_CHECK_EXIT(results.back(), 2);
  } else {
    results.push_back(project.run_on_terminal({"up"}, "n\n", with_env.env));
    ITEST_CHECK_EXIT(results.back(), 2);
    CHECK_THAT(results.back().out, Catch::Contains("Proceed? [y/N]"));
  }
  check_same(snapshot(db), before);
  CHECK(project.backup_entries() == backups_before);

  // 3. up --yes: 0003 applies, 0004 fails and is rolled back. Global option after the command.
  results.push_back(project.run({"up", "--yes", "--database-url", url}));
  ITEST_CHECK_EXIT(results.back(), 1);
  CHECK(db.history("app") == std::vector<std::string>{"1:users", "2:posts", "3:tags"});

  // 4. down one step.
  results.push_back(project.run({"down", "app", "--yes"}, with_env));
  ITEST_CHECK_EXIT(results.back(), 0);
  CHECK(db.history("app") == std::vector<std::string>{"1:users", "2:posts"});
  return results;
}

std::vector<Expected> expected_session(const std::string& failure_text, Prompt prompt = Prompt::no_terminal) {
  const std::string refusal = "without confirmation";
  std::vector<Expected> second_run{
      {"up", "start", "", "", true, ""},
      {"up", "fail", "", "", false, refusal},
      {"up", "done", "", "", false, refusal},
  };
  if (prompt == Prompt::declined) {
    second_run = {
        {"up", "start", "", "", true, ""},
        {"up", "decline", "", "", true, ""},
        {"up", "done", "", "", true, ""},
    };
  }
  std::vector<Expected> all{
      {"up", "start", "", "", true, ""},
      {"up", "confirm", "", "", true, ""},
      {"up", "backup", "app", "", true, ""},
      {"up", "apply", "app", "0001", true, ""},
      {"up", "apply", "app", "0002", true, ""},
      {"up", "done", "", "", true, ""},

      {"up", "start", "", "", true, ""},
      {"up", "confirm", "", "", true, ""},
      {"up", "backup", "app", "", true, ""},
      {"up", "apply", "app", "0003", true, ""},
      {"up", "fail", "app", "0004", false, failure_text},
      {"up", "done", "", "", false, "0004"},

      {"down", "start", "", "", true, ""},
      {"down", "confirm", "app", "", true, ""},
      {"down", "backup", "app", "", true, ""},
      {"down", "rollback", "app", "0003", true, ""},
      {"down", "done", "", "", true, ""},
  };
  all.insert(all.begin() + 6, second_run.begin(), second_run.end());
  return all;
}

void check_no_secret(const Project& project, const std::vector<test::CliResult>& results,
                     const std::vector<std::string>& secrets) {
  const std::string log = test::slurp(project.audit_log());
  for (const std::string& secret : secrets) {
    INFO("secret: " << secret);
    CHECK_THAT(log, !Catch::Contains(secret));
    for (const test::CliResult& result : results) {
      CHECK_THAT(result.out, !Catch::Contains(secret));
      CHECK_THAT(result.err, !Catch::Contains(secret));
    }
    for (const std::string& entry : project.backup_entries()) CHECK_THAT(entry, !Catch::Contains(secret));
  }
}

// A PostgreSQL login role with a given password, dropped at scope exit (after the
// databases declared later, which are dropped first).
class LoginRole {
 public:
  LoginRole(std::string name, const std::string& password) : m_name(std::move(name)) {
    admin("DROP ROLE IF EXISTS " + m_name);
    admin("CREATE ROLE " + m_name + " LOGIN SUPERUSER PASSWORD '" + password + "'");
  }
  ~LoginRole() {
    try {
      util::run_process({pg_tool("psql").string(), "--no-psqlrc", "--quiet", "--dbname=" + test::postgres_admin_url(),
                         "--command=DROP ROLE IF EXISTS " + m_name});
    } catch (...) {
    }
  }
  LoginRole(const LoginRole&) = delete;
  LoginRole& operator=(const LoginRole&) = delete;

 private:
  static void admin(const std::string& sql) {
    run_ok({pg_tool("psql").string(), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
            "--dbname=" + test::postgres_admin_url(), "--command=" + sql});
  }
  std::string m_name;
};

}  // namespace

TEST_CASE("the audit log of a scripted session holds exactly the expected events, as JSON, without the password",
          "[integration][audit][postgres]") {
  const auto db = test::make_test_database(Dialect::postgres);
  const std::string url = db->url();
  const std::string password = url_password(url);
  INFO("the test cluster's URL must hold a password for this test to mean anything");
  REQUIRE_FALSE(password.empty());

  const Project project(service_toml("app", "APP_DATABASE_URL"));
  const auto results = scripted_session(project, *db, url,
                                        "INSERT INTO tags VALUES ('x');\nSELECT 1 / 0;\n");
  check_events(project.audit(), expected_session("division by zero"));
  check_no_secret(project, results, {password});

  // The command line is recorded, with the password masked.
  const auto lines = project.audit();
  REQUIRE(lines.size() > 10);
  CHECK_THAT(lines[0]["detail"].get<std::string>(), Catch::Contains("--database-url") && Catch::Contains("***"));
  // The backup events name the files that were written.
  CHECK(fs::exists(lines[2]["detail"].get<std::string>()));
  CHECK(fs::exists(lines[11]["detail"].get<std::string>()));
  CHECK(fs::exists(lines[17]["detail"].get<std::string>()));
}

TEST_CASE("the audit log of a session with a prompt declined on a terminal", "[integration][audit][postgres]") {
  const auto db = test::make_test_database(Dialect::postgres);
  const std::string url = db->url();
  const Project project(service_toml("app", "APP_DATABASE_URL"));
  const auto results = scripted_session(project, *db, url, "SELECT 1 / 0;\n", Prompt::declined);
  check_events(project.audit(), expected_session("division by zero", Prompt::declined));
  check_no_secret(project, results, {url_password(url)});
  CHECK_THAT(results[1].out, Catch::Contains("Cancelled"));
}

TEST_CASE("prompts on a terminal: y proceeds, anything else changes nothing", "[integration][audit]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  const Project project(service_toml("app", "APP_DATABASE_URL"));
  project.add("app", 1, "users", "CREATE TABLE users (id integer);\n", "DROP TABLE users;\n");
  const std::map<std::string, std::string> env{{"APP_DATABASE_URL", db->url()}};

  const std::string answer = GENERATE(as<std::string>{}, "n\n", "\n", "", "no\n", "yes please\n");
  INFO("typed: '" << answer << "'");
  // Declined: nothing done, exit 2 (not confirmed), as without a terminal and --yes.
  const test::CliResult declined = project.run_on_terminal({"up"}, answer, env);
  ITEST_CHECK_EXIT(declined, 2);
  CHECK(db->history("app").empty());
  CHECK(project.backup_entries().empty());

  const test::CliResult accepted = project.run_on_terminal({"up"}, "y\n", env);
  ITEST_CHECK_EXIT(accepted, 0);
  CHECK(db->history("app") == std::vector<std::string>{"1:users"});
  CHECK(project.backup_entries().size() == 1);

  const test::CliResult down_declined = project.run_on_terminal({"down", "app"}, answer, env);
  ITEST_CHECK_EXIT(down_declined, 2);
  CHECK(db->history("app") == std::vector<std::string>{"1:users"});

  const auto backups = project.backup_entries();
  const test::CliResult restore_declined = project.run_on_terminal({"restore", "app"}, answer, env);
  ITEST_CHECK_EXIT(restore_declined, 2);
  CHECK(db->history("app") == std::vector<std::string>{"1:users"});
  CHECK(project.backup_entries() == backups);

  std::vector<std::string> events;
  for (const nlohmann::json& line : project.audit()) events.push_back(line["event"].get<std::string>());
  CHECK(events == std::vector<std::string>{"start", "decline", "done",                                 // up n
                                           "start", "confirm", "backup", "apply", "done",              // up y
                                           "start", "decline", "done",                                 // down n
                                           "start", "decline", "done"});                               // restore n
}

TEST_CASE("4 migrate processes appending to one audit log at once write only whole lines",
          "[integration][audit]") {
  constexpr int k_services = 4;
  constexpr int k_revisions = 25;
  std::string manifest;
  for (int s = 1; s <= k_services; ++s) {
    manifest += service_toml("svc" + std::to_string(s), "SVC" + std::to_string(s) + "_DATABASE_URL");
  }
  const Project project(manifest);
  const test::TempDir databases;
  test::CliOptions options;  // stdout and stderr drained and dropped
  for (int s = 1; s <= k_services; ++s) {
    const std::string service = "svc" + std::to_string(s);
    options.env["SVC" + std::to_string(s) + "_DATABASE_URL"] =
        "sqlite://" + (databases.path() / (service + ".db")).string();
    for (int v = 1; v <= k_revisions; ++v) {
      // Long names make long apply lines (the name is the line's detail).
      project.add(service, v, "revision_with_a_long_name_" + std::string(200, 'n'),
                  "CREATE TABLE t" + std::to_string(v) + " (id integer);\n");
    }
  }

  std::vector<std::unique_ptr<test::ChildProcess>> children;
  for (int s = 1; s <= k_services; ++s) {
    children.push_back(project.start({"-q", "up", "svc" + std::to_string(s), "--yes"}, nullptr, options));
  }
  for (const auto& child : children) {
    const test::CliResult result = child->wait();
    INFO(describe(result));
    CHECK(result.exit_code == 0);
  }

  const auto lines = project.audit();  // fails on any line that is not JSON
  CHECK(lines.size() == static_cast<std::size_t>(k_services * (k_revisions + 4)));
  std::map<std::string, int> applied;  // per service, the last version applied
  std::map<std::string, int> starts;
  for (const nlohmann::json& line : lines) {
    check_line_shape(line);
    if (line["event"] == "start") {
      const std::string detail = line["detail"].get<std::string>();
      ++starts[detail.substr(detail.find(" up svc") + 4, 4)];
    }
    if (line["event"] != "apply") continue;
    const std::string service = line["service"].get<std::string>();
    const int version = std::stoi(line["version"].get<std::string>());
    INFO("each process's applies appear in its own order");
    CHECK(version == applied[service] + 1);
    applied[service] = version;
  }
  CHECK(starts.size() == static_cast<std::size_t>(k_services));
  for (int s = 1; s <= k_services; ++s) {
    INFO("svc" << s);
    CHECK(applied["svc" + std::to_string(s)] == k_revisions);
  }
}

TEST_CASE("a password with URL-special characters is masked in every form", "[integration][audit][postgres]") {
  const std::string password = "Tr1cky:p@ss/w%rd#x?y&z";
  const std::string encoded = "Tr1cky%3Ap%40ss%2Fw%25rd%23x%3Fy%26z";
  const LoginRole role("migrate_audit_" + std::to_string(::getpid()), password);
  const auto db = test::make_test_database(Dialect::postgres);
  const std::string admin = db->url();
  const std::size_t at = admin.find('@');
  REQUIRE(at != std::string::npos);
  const std::string url = "postgresql://migrate_audit_" + std::to_string(::getpid()) + ":" + encoded + "@" +
                          admin.substr(at + 1);

  const Project project(service_toml("app", "APP_DATABASE_URL"));
  // The failing revision's own error text carries the password.
  const auto results = scripted_session(
      project, *db, url, "DO $$ BEGIN RAISE EXCEPTION 'cannot log in as app with Tr1cky:p@ss/w%%rd#x?y&z'; END $$;\n");
  check_events(project.audit(), expected_session("cannot log in as app with ***"));
  check_no_secret(project, results, {password, encoded});
}

}  // namespace migrate::itest
