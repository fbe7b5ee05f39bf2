// `migrate serve`: the real binary on a free loopback port, read over HTTP, against a real
// PostgreSQL database, a SQLite file and a database that is down.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <future>
#include <pqxx/pqxx>
#include <regex>
#include <sstream>
#include <thread>

#include "cli/cli_fixtures.hpp"

using namespace migrate::test;
using Json = nlohmann::json;

namespace {

constexpr const char* k_down_url = "postgresql://app:down-secret-42@127.0.0.1:1/app";
constexpr const char* k_token = "tok-3f9a1c7e5b";

// A project of three services: `pg` on a PostgreSQL test database (one of its two
// revisions applied), `lite` on a SQLite file (up to date, backed up) and `down` on a
// server that refuses connections.
class ServeProject {
 public:
  explicit ServeProject(bool with_down = true, std::string down_url = k_down_url)
      : m_down_url(std::move(down_url)),
        m_pg(make_test_database(migrate::Dialect::postgres)),
        m_lite(make_test_database(migrate::Dialect::sqlite)),
        m_project(manifest_with_defaults(service_toml("pg", "PG_URL") + service_toml("lite", "LITE_URL") +
                                         (with_down ? service_toml("down", "DOWN_URL") : std::string()))) {
    m_project.add_table(1, "accounts", "pg");
    m_project.add_table(2, "sessions", "pg");
    m_project.add_table(1, "notes", "lite");
    if (with_down) m_project.add_table(1, "nothing", "down");
    REQUIRE_EXIT(run({"up", "pg", "--to", "1", "--yes"}), 0);
    REQUIRE_EXIT(run({"up", "lite", "--yes"}), 0);
    REQUIRE_EXIT(run({"backup", "lite"}), 0);
  }

  std::map<std::string, std::string> env() const {
    return {{"PG_URL", m_pg->url()}, {"LITE_URL", m_lite->url()}, {"DOWN_URL", m_down_url}, {"SERVE_TOKEN", k_token}};
  }

  CliResult run(const std::vector<std::string>& args) const {
    CliOptions options;
    options.env = env();
    return m_project.run(args, options);
  }

  std::unique_ptr<ChildProcess> start(const std::vector<std::string>& args) const {
    CliOptions options;
    options.env = env();
    return m_project.start(args, nullptr, options);
  }

  const std::string& pg_password() const { return m_password; }
  TestDatabase& pg() const { return *m_pg; }
  TestDatabase& lite() const { return *m_lite; }
  const TestProject& project() const { return m_project; }

 private:
  std::string m_down_url;
  std::unique_ptr<TestDatabase> m_pg;
  std::unique_ptr<TestDatabase> m_lite;
  TestProject m_project;
  std::string m_password = url_password(m_pg->url());
};

// A TCP server on a free loopback port that accepts connections and never answers: a
// database that hangs.
class SilentListener {
 public:
  SilentListener() {
    m_socket = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(m_socket >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_socket, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(m_socket, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(m_socket, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    m_port = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(m_socket); }  // the kernel completes handshakes; nobody reads
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  int port() const { return m_port; }

 private:
  int m_socket = -1;
  int m_port = 0;
};

// A running `migrate serve` on a free loopback port.
class Server {
 public:
  Server(const ServeProject& project, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:0", "--refresh", "1s"};
    if (std::find(extra.begin(), extra.end(), "--cache") == extra.end())
      extra.insert(extra.end(), {"--cache", "200ms"});
    args.insert(args.end(), extra.begin(), extra.end());
    m_child = project.start(args);
    const bool up = m_child->wait_for_output("listening on http://127.0.0.1:", std::chrono::seconds(60));
    INFO(m_child->describe());
    REQUIRE(up);
    std::smatch match;
    const std::string out = m_child->out();
    REQUIRE(std::regex_search(out, match, std::regex("listening on http://127\\.0\\.0\\.1:([0-9]+)/")));
    m_port = std::stoi(match[1]);
  }

  int port() const { return m_port; }
  ChildProcess& child() { return *m_child; }

  httplib::Client client(const std::string& token = {}) const {
    httplib::Client client("127.0.0.1", m_port);
    client.set_read_timeout(30, 0);
    if (!token.empty()) client.set_bearer_token_auth(token.c_str());
    return client;
  }

 private:
  std::unique_ptr<ChildProcess> m_child;
  int m_port = 0;
};

struct Reply {
  int status = 0;
  std::string body;
  httplib::Headers headers;
};

Reply get(const Server& server, const std::string& path, const std::string& token = {}) {
  httplib::Client client = server.client(token);
  const auto result = client.Get(path.c_str());
  INFO(path << ": " << httplib::to_string(result.error()));
  REQUIRE(result);
  return {result->status, result->body, result->headers};
}

Json get_json(const Server& server, const std::string& path, int status = 200, const std::string& token = {}) {
  const Reply reply = get(server, path, token);
  INFO(path << " -> " << reply.status << " " << reply.body);
  CHECK(reply.status == status);
  const Json document = Json::parse(reply.body, nullptr, false);
  REQUIRE(document.is_object());
  return document;
}

void check_no_secret(const std::string& text, const ServeProject& project) {
  INFO(text);
  CHECK_FALSE(contains(text, project.pg_password()));
  CHECK_FALSE(contains(text, "down-secret-42"));
  CHECK_FALSE(contains(text, k_token));
}

}  // namespace

TEST_CASE("serve reports every service's status in the documented shape, a down database as an error", "[serve]") {
  ServeProject project;
  Server server(project);
  const Reply reply = get(server, "/api/migrations/status");
  REQUIRE(reply.status == 200);
  check_no_secret(reply.body, project);
  CHECK(contains(reply.headers.find("Content-Type")->second, "application/json"));
  CHECK(reply.headers.find("Cache-Control")->second == "no-store");
  CHECK(reply.headers.find("X-Content-Type-Options")->second == "nosniff");
  const Json document = Json::parse(reply.body);
  INFO(document.dump(2));
  CHECK(document["success"] == true);  // two of three services could be read
  CHECK(document["overall_status"] == "error");
  CHECK(document["total_pending"] == 1);
  CHECK(document["generated_at"].is_string());
  const Json& services = document["services"];
  REQUIRE(services.size() == 3);

  const Json& pg = services["pg"];
  CHECK(pg["status"] == "pending");
  CHECK(pg["current_revision"] == "0001");
  CHECK(pg["latest_revision"] == "0002");
  CHECK(pg["applied"] == 1);
  CHECK(pg["pending"] == 1);
  CHECK(pg["dirty"] == false);
  CHECK(pg["drift"] == Json::array());
  CHECK(pg["lock"].is_null());
  CHECK(pg["last_applied_at"].is_string());
  CHECK(contains(pg["database"].get<std::string>(), "postgres"));
  CHECK_FALSE(pg.contains("error"));

  const Json& lite = services["lite"];
  CHECK(lite["status"] == "up_to_date");
  CHECK(lite["current_revision"] == "0001");
  CHECK(lite["applied"] == 1);
  CHECK(lite["pending"] == 0);
  CHECK(contains(lite["database"].get<std::string>(), "sqlite:"));

  const Json& down = services["down"];
  CHECK(down["status"] == "error");
  CHECK_FALSE(down["error"].get<std::string>().empty());
  CHECK(down["database"] == "postgresql://app:***@127.0.0.1:1/app");
  CHECK(down["applied"] == 0);
}

TEST_CASE("serve reports drift, a dirty revision and a held lock as the databases show them", "[serve]") {
  ServeProject project;
  // Behind migrate's back: pg's applied revision edited on disk, lite's marked dirty and its
  // lock row held by another runner.
  project.project().write(stem(1, "create_accounts") + ".up.sql", "CREATE TABLE accounts (id BIGINT);\n", "pg");
  project.lite().exec(
      "UPDATE schema_migrations SET dirty = 1 WHERE service = 'lite';"
      "INSERT INTO migration_lock (lock_id, holder) VALUES (1, 'ops@box:4242');");
  Server server(project);
  const Json document = get_json(server, "/api/migrations/status");
  INFO(document.dump(2));
  const Json& pg = document["services"]["pg"];
  CHECK(pg["status"] == "drift");
  REQUIRE(pg["drift"].size() == 1);
  CHECK(pg["drift"][0]["version"] == "0001");
  const Json& lite = document["services"]["lite"];
  CHECK(lite["status"] == "dirty");
  CHECK(lite["dirty"] == true);
  CHECK(lite["dirty_revision"] == "0001");
  REQUIRE(lite["lock"].is_object());
  CHECK(lite["lock"]["holder"] == "ops@box:4242");
  CHECK(lite["lock"]["acquired_at"].is_string());
  CHECK(lite["lock_holder"] == "ops@box:4242");

  const std::string metrics = get(server, "/metrics").body;
  INFO(metrics);
  CHECK(contains(metrics, "\nmigrate_dirty{service=\"lite\"} 1\n"));
  CHECK(contains(metrics, "\nmigrate_lock_held{service=\"lite\"} 1\n"));
  CHECK(contains(metrics, "\nmigrate_lock_held{service=\"pg\"} 0\n"));
  const std::string page = get(server, "/").body;
  CHECK(contains(page, "<td class=\"state s-dirty\">dirty</td>"));
  CHECK(contains(page, "<td class=\"state s-drift\">drift</td>"));
  CHECK(contains(page, "<td>ops@box:4242</td>"));
}

TEST_CASE("serve and status --json say locked while a live runner holds a lock, not for a dead one's row", "[serve]") {
  ServeProject project(false);
  // pg: the row of a runner whose session is gone (no advisory lock): not live.
  project.pg().exec("INSERT INTO migration_lock (lock_id, holder) VALUES (1, 'ops@deploy-7:4242');");
  // lite: a row on another host with a fresh heartbeat: live until lock_stale_after.
  project.lite().exec("INSERT INTO migration_lock (lock_id, holder) VALUES (1, 'ops@box:4242');");
  {
    Server server(project, {"--cache", "1ms"});
    const Json document = get_json(server, "/api/migrations/status");
    INFO(document.dump(2));
    CHECK(document["services"]["pg"]["status"] == "pending");
    CHECK(document["services"]["pg"]["lock"]["holder"] == "ops@deploy-7:4242");
    CHECK(document["services"]["lite"]["status"] == "locked");
    CHECK(document["services"]["lite"]["lock_holder"] == "ops@box:4242");
    CHECK(document["overall_status"] == "locked");
    CHECK(document["success"] == true);

    // pg: a live runner, its session holding the advisory lock; locked beats pending.
    pqxx::connection holder(project.pg().url());
    pqxx::nontransaction(holder).exec("SELECT pg_advisory_lock(" + std::to_string(0x6d696772617465LL) + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the 1 ms cache window
    const Json held = get_json(server, "/api/migrations/status");
    INFO(held.dump(2));
    CHECK(held["services"]["pg"]["status"] == "locked");
    CHECK(held["overall_status"] == "locked");
    CHECK(held["total_pending"] == 1);
    CHECK(contains(get(server, "/").body, "<td class=\"state s-locked\">locked</td>"));

    const CliResult status = project.run({"status", "--json"});
    CHECK_EXIT(status, 0);
    const Json plain = Json::parse(status.out);
    CHECK(plain["overall_status"] == "locked");
    CHECK(plain["services"]["pg"]["status"] == "locked");
    CHECK(plain["services"]["lite"]["status"] == "locked");
  }
  // A lock row whose heartbeat is older than lock_stale_after is not live on SQLite.
  project.lite().exec("UPDATE migration_lock SET heartbeat_at = '2000-01-01 00:00:00';");
  const Json stale = Json::parse(project.run({"status", "--json"}).out);
  INFO(stale.dump(2));
  CHECK(stale["services"]["lite"]["status"] == "up_to_date");
}

TEST_CASE("serve's metrics, health, readiness, history, audit and backups endpoints answer", "[serve]") {
  ServeProject project;
  Server server(project);

  const Reply metrics = get(server, "/metrics");
  CHECK(metrics.status == 200);
  CHECK(contains(metrics.headers.find("Content-Type")->second, "text/plain; version=0.0.4"));
  INFO(metrics.body);
  CHECK(contains(metrics.body, "# TYPE migrate_pending_revisions gauge\n"));
  CHECK(contains(metrics.body, "\nmigrate_pending_revisions{service=\"pg\"} 1\n"));
  CHECK(contains(metrics.body, "\nmigrate_applied_revisions{service=\"pg\"} 1\n"));
  CHECK(contains(metrics.body, "\nmigrate_applied_revisions{service=\"lite\"} 1\n"));
  CHECK(contains(metrics.body, "\nmigrate_dirty{service=\"pg\"} 0\n"));
  CHECK(contains(metrics.body, "\nmigrate_lock_held{service=\"lite\"} 0\n"));
  CHECK(contains(metrics.body, "\nmigrate_database_up{service=\"pg\"} 1\n"));
  CHECK(contains(metrics.body, "\nmigrate_database_up{service=\"down\"} 0\n"));
  CHECK(contains(metrics.body, "\nmigrate_last_applied_timestamp_seconds{service=\"pg\"} 1"));
  CHECK_FALSE(contains(metrics.body, "migrate_pending_revisions{service=\"down\"}"));
  check_no_secret(metrics.body, project);

  CHECK(get_json(server, "/healthz")["status"] == "ok");
  const Json ready = get_json(server, "/readyz", 503);
  CHECK(ready["ready"] == false);
  CHECK(ready["services"]["pg"]["up"] == true);
  CHECK(ready["services"]["down"]["up"] == false);

  const Json history = get_json(server, "/api/migrations/history?service=pg&limit=1");
  CHECK(history["success"] == true);
  REQUIRE(history["services"].size() == 1);
  const Json& entries = history["services"]["pg"]["entries"];
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["version"] == "0002");
  CHECK(entries[0]["state"] == "pending");
  const Json all = get_json(server, "/api/migrations/history");
  CHECK(all["success"] == false);  // `down` could not be read
  CHECK(all["services"]["pg"]["entries"].size() == 2);
  CHECK(all["services"]["pg"]["entries"][0]["state"] == "applied");
  CHECK(all["services"]["down"]["error"].is_string());
  check_no_secret(all.dump(), project);

  const Json audit = get_json(server, "/api/audit?limit=3");
  REQUIRE(audit["events"].size() == 3);
  CHECK(audit["events"][0]["command"] == "backup");  // newest first
  CHECK(audit["events"][0]["event"] == "done");
  const Json pg_audit = get_json(server, "/api/audit?service=pg&limit=1000");
  REQUIRE_FALSE(pg_audit["events"].empty());
  for (const Json& event : pg_audit["events"]) CHECK(event["service"] == "pg");

  const Json backups = get_json(server, "/api/backups");
  REQUIRE(backups["services"]["lite"].size() >= 1);
  const std::string file = backups["services"]["lite"][0]["file"];
  CHECK(file.rfind("lite_", 0) == 0);
  CHECK(file.find('/') == std::string::npos);
  CHECK(backups["services"]["lite"][0]["size_bytes"].get<long>() > 0);
}

TEST_CASE("serve refuses bad queries, unknown paths and every method but GET and HEAD", "[serve]") {
  ServeProject project;
  Server server(project);
  for (const std::string path :
       {"/api/audit?limit=abc", "/api/audit?limit=0", "/api/audit?limit=1001", "/api/migrations/history?limit=-1",
        "/api/migrations/history?service=nope", "/api/backups?service=nope"}) {
    const Json error = get_json(server, path, 400);
    CHECK(error["success"] == false);
    CHECK(error["error"].is_string());
  }
  CHECK(contains(get_json(server, "/no/such/page", 404)["error"].get<std::string>(), "/no/such/page"));

  httplib::Client client = server.client();
  for (const auto& result : {client.Post("/api/migrations/status", "{}", "application/json"),
                             client.Put("/api/migrations/status", "{}", "application/json"),
                             client.Delete("/api/migrations/status"), client.Patch("/", "x", "text/plain")}) {
    REQUIRE(result);
    CHECK(result->status == 405);
    CHECK(result->get_header_value("Allow") == "GET, HEAD");
  }
  const auto head = server.client().Head("/api/migrations/status");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());

  // Oversized request headers are refused, and the server goes on answering.
  httplib::Client big = server.client();
  big.set_default_headers({{"X-Padding", std::string(20000, 'a')}});
  const auto refused = big.Get("/healthz");
  CHECK((!refused || refused->status >= 400));
  CHECK(get_json(server, "/healthz")["status"] == "ok");
}

TEST_CASE("serve with a token requires it on every endpoint but /healthz and never shows it", "[serve]") {
  ServeProject project;
  Server server(project, {"--token-env", "SERVE_TOKEN"});
  for (const std::string path : {"/", "/api/migrations/status", "/metrics", "/readyz", "/api/audit", "/api/backups",
                                 "/api/migrations/history"}) {
    INFO(path);
    const Reply none = get(server, path);
    CHECK(none.status == 401);
    CHECK(none.headers.find("WWW-Authenticate")->second == "Bearer");
    CHECK(get(server, path, "wrong-token").status == 401);
    CHECK(get(server, path, std::string(k_token) + "x").status == 401);
    const Reply ok = get(server, path, k_token);
    CHECK((ok.status == 200 || ok.status == 503));
    check_no_secret(ok.body, project);
  }
  CHECK(get(server, "/healthz").status == 200);
  server.child().send_signal(SIGTERM);
  const CliResult result = server.child().wait(std::chrono::seconds(30));
  check_no_secret(result.out + result.err, project);
}

TEST_CASE("serve refuses a network address without a token, and a token variable that is not set", "[serve]") {
  ServeProject project;
  const CliResult open = project.run({"serve", "--listen", "0.0.0.0:0"});
  CHECK_EXIT(open, 2);
  CHECK(contains(open.err, "--token-env"));
  const CliResult unset = project.run({"serve", "--listen", "127.0.0.1:0", "--token-env", "NO_SUCH_TOKEN_VAR"});
  CHECK_EXIT(unset, 2);
  CHECK(contains(unset.err, "NO_SUCH_TOKEN_VAR"));
  CHECK_EXIT(project.run({"serve", "--listen", "localhost"}), 2);
  CHECK_EXIT(project.run({"serve", "--listen", "127.0.0.1:0", "--refresh", "soon"}), 2);
}

TEST_CASE("serve stops promptly and cleanly on SIGTERM and SIGINT: exit 0 after draining", "[serve]") {
  ServeProject project;
  const int sig = GENERATE(SIGTERM, SIGINT);
  Server server(project);
  CHECK(get_json(server, "/api/migrations/status")["services"].size() == 3);
  REQUIRE(server.child().send_signal(sig));
  // Generous: stopping takes well under a second; the bound only catches a server that hangs.
  const CliResult result = server.child().wait(std::chrono::seconds(20));
  INFO(describe(result));
  CHECK_FALSE(server.child().killed());
  CHECK(result.exit_code == 0);
  CHECK(contains(result.err, "stopped after finishing the requests in flight"));
}

TEST_CASE("a database that never answers holds up only its own row, for --read-timeout at most", "[serve]") {
  SilentListener hung;
  ServeProject project(true, "postgresql://app:down-secret-42@127.0.0.1:" + std::to_string(hung.port()) + "/app");
  Server server(project, {"--read-timeout", "2s", "--cache", "1ms"});
  for (int round = 0; round < 2; ++round) {  // the second finds the first read of `down` still hung
    const auto started = std::chrono::steady_clock::now();
    const Json document = get_json(server, "/api/migrations/status");
    // Generous: without the bound, the read waits for the 10 s connect_timeout migrate adds.
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(8));
    INFO(document.dump(2));
    CHECK(document["success"] == true);
    CHECK(document["overall_status"] == "error");
    CHECK(document["services"]["pg"]["status"] == "pending");
    CHECK(document["services"]["lite"]["status"] == "up_to_date");
    const Json& down = document["services"]["down"];
    CHECK(down["status"] == "error");
    CHECK(contains(down["error"].get<std::string>(), "timed out after 2s"));
    CHECK(down["database"] == "postgresql://app:***@127.0.0.1:" + std::to_string(hung.port()) + "/app");
    check_no_secret(document.dump(), project);
  }
  const auto started = std::chrono::steady_clock::now();
  const std::string page = get(server, "/").body;
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(8));
  CHECK(contains(page, "timed out after 2s"));
  CHECK(get(server, "/readyz").status == 503);

  const auto asked = std::chrono::steady_clock::now();
  const Json history = get_json(server, "/api/migrations/history");
  CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(8));
  INFO(history.dump(2));
  CHECK(history["success"] == false);
  CHECK(history["services"]["pg"]["entries"].size() == 2);
  CHECK(history["services"]["lite"]["entries"].size() == 1);
  CHECK(contains(history["services"]["down"]["error"].get<std::string>(), "timed out after 2s"));
}

TEST_CASE("serve finishes a request in flight when asked to stop, then exits 0", "[serve]") {
  SilentListener hung;
  ServeProject project(true, "postgresql://app:down-secret-42@127.0.0.1:" + std::to_string(hung.port()) + "/app");
  Server server(project, {"--read-timeout", "3s"});
  auto reply = std::async(std::launch::async, [&] { return get(server, "/api/migrations/status"); });
  // The request waits up to 3 s for `down`; the signal comes while it does.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(server.child().send_signal(SIGTERM));
  const Reply answered = reply.get();
  CHECK(answered.status == 200);
  CHECK(contains(answered.body, "\"pg\""));
  const CliResult result = server.child().wait(std::chrono::seconds(20));
  INFO(describe(result));
  CHECK_FALSE(server.child().killed());
  CHECK(result.exit_code == 0);
}

TEST_CASE("serve listens with a queue long enough for many clients reconnecting at once", "[serve]") {
  // cpp-httplib's own queue of 5 overflowed under 64 clients: dropped SYNs, 1 s stalls.
  ServeProject project(false);
  Server server(project);
  const CliResult ss = run_child({"/usr/bin/ss", "-ltnH", "sport = :" + std::to_string(server.port())});
  INFO(describe(ss));
  REQUIRE(ss.exit_code == 0);
  std::istringstream line(ss.out);
  std::string state;
  int queued = -1;
  int queue_length = -1;
  line >> state >> queued >> queue_length;
  CHECK(state == "LISTEN");
  CHECK(queue_length == 256);
}

TEST_CASE("serve's page is one self-contained document that shows every service without script", "[serve]") {
  ServeProject project;
  Server server(project);
  const Reply page = get(server, "/");
  REQUIRE(page.status == 200);
  check_no_secret(page.body, project);
  CHECK(contains(page.headers.find("Content-Type")->second, "text/html"));
  const std::string csp = page.headers.find("Content-Security-Policy")->second;
  CHECK(contains(csp, "default-src 'none'"));
  CHECK(contains(csp, "script-src 'nonce-"));
  CHECK_FALSE(contains(csp, "unsafe"));
  CHECK(contains(page.body,
                 "<tr data-service=\"pg\"><td>pg</td><td class=\"state s-pending\">pending</td>"
                 "<td>0001</td><td>0002</td><td>1</td><td>1</td>"));
  CHECK(contains(page.body, "<tr data-service=\"lite\"><td>lite</td><td class=\"state s-up_to_date\">up_to_date</td>"));
  CHECK(contains(page.body, "<td class=\"state s-error\">error</td>"));
  CHECK(contains(page.body, "Unreachable: down: "));
  // No external resource: nothing is loaded from anywhere but this document.
  CHECK_FALSE(contains(page.body, "src=\"http"));
  CHECK_FALSE(contains(page.body, "href=\"http"));
  CHECK(contains(page.body, "name=\"viewport\""));
}

TEST_CASE("serve's page in headless Chromium shows each service and follows a change without a reload",
          "[serve][browser]") {
  const std::filesystem::path chromium = "/usr/bin/chromium";
  INFO("this test needs Debian's chromium (apt-get install chromium; deployment/setup.sh installs it for tests)");
  REQUIRE(std::filesystem::exists(chromium));
  ServeProject project;
  Server server(project, {"--verbose"});  // --verbose: the request log on stderr
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  TempDir profile;
  // Virtual time runs ahead while the page is idle, so 300 s of it pass in a few seconds of
  // real time, refreshing once a second (--refresh 1s) and waiting for each fetch.
  ChildProcess browser({chromium.string(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--no-first-run", "--user-data-dir=" + profile.path().string(), "--virtual-time-budget=300000",
                        "--dump-dom", url});
  // Once the page's script has fetched the API, a revision is applied behind its back.
  const bool fetched = server.child().wait_for_output("GET /api/migrations/status", std::chrono::seconds(120));
  INFO(server.child().describe());
  INFO(browser.describe());
  REQUIRE(fetched);
  REQUIRE_EXIT(project.run({"up", "pg", "--yes"}), 0);
  const CliResult dom = browser.wait(std::chrono::seconds(180));
  REQUIRE(dom.exit_code == 0);
  const std::string& html = dom.out;
  check_no_secret(html, project);
  CHECK(contains(html,
                 "<tr data-service=\"pg\"><td>pg</td><td class=\"state s-up_to_date\">up_to_date</td>"
                 "<td>0002</td><td>0002</td><td>2</td><td>0</td>"));
  CHECK(contains(html,
                 "<tr data-service=\"lite\"><td>lite</td><td class=\"state s-up_to_date\">up_to_date</td>"
                 "<td>0001</td><td>0001</td><td>1</td><td>0</td>"));
  CHECK(contains(html, "<tr data-service=\"down\"><td>down</td><td class=\"state s-error\">error</td>"));
  CHECK(contains(html, "role=\"alert\">Unreachable: down: "));
  CHECK(contains(html, "last updated "));
  CHECK_FALSE(contains(html, "data-refreshes=\"0\""));
  // The page was loaded once: the new state came through the script's refresh.
  const std::string log = server.child().err();
  std::size_t page_loads = 0;
  for (std::size_t at = log.find("GET / 200"); at != std::string::npos; at = log.find("GET / 200", at + 1))
    ++page_loads;
  CHECK(page_loads == 1);
}
