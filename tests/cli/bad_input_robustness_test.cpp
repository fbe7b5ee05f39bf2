// Bad input never changes anything: each case runs the real binary (up, down, stamp,
// status), expects one clear line on stderr and the documented exit code, and compares the
// database byte for byte before and after (pg_dump of schema and data plus the bookkeeping
// rows on PostgreSQL; the file's bytes and its folder's entries on SQLite). The cases of
// bad_input_test.cpp (bad revision names, cycles, a missing manifest) are not repeated.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <regex>

#include "cli/cli_fixtures.hpp"
#include "integration/integration_support.hpp"
#include "migrate/util/sha256.hpp"

using migrate::Dialect;
using namespace migrate::test;
namespace fs = std::filesystem;

namespace {

using Args = std::vector<std::string>;

// core (no dependencies) and app (depends on core). Each has its own URL variable, so a
// case can give app a bad URL while core points at the real test database.
const char* const k_two_services = R"toml(
[services.core]
migrations = "services/core/migrations"
database_url_env = "CORE_DATABASE_URL"

[services.app]
migrations = "services/app/migrations"
database_url_env = "APP_DATABASE_URL"
depends_on = ["core"]
)toml";

// ---------------------------------------------------------------------------------------
// What "unchanged" means.

std::string pg_full_dump(const std::string& url) {
  const TempDir dir;
  const fs::path file = dir.path() / "dump.sql";
  migrate::itest::run_ok({migrate::itest::pg_tool("pg_dump").string(), "--no-password", "--file=" + file.string(),
                          "--dbname=" + url});
  std::string out;
  for (const std::string& line : migrate::itest::split_lines(slurp(file))) {
    // pg_dump 15.14+ brackets its output with \restrict <random key> / \unrestrict <key>.
    if (line.rfind("\\restrict ", 0) == 0 || line.rfind("\\unrestrict ", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

std::string rows_of(TestDatabase& db, const std::string& table, const std::string& order_by) {
  const std::string exists =
      db.scalar(db.dialect() == Dialect::postgres
                    ? "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = '" + table + "'"
                    : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'");
  if (exists == "0") return "<no table " + table + ">";
  std::string out;
  for (const auto& row : db.query("SELECT * FROM " + table + " ORDER BY " + order_by)) {
    for (const std::string& value : row) out += value + "|";
    out += "\n";
  }
  return out;
}

struct Fingerprint {
  std::string bytes;    // pg_dump output, or the SQLite file's bytes ("<absent>" when missing)
  std::string folder;   // SQLite: the names in the database file's folder
  std::string history;  // schema_migrations, every column
  std::string lock;     // migration_lock, every column
};

Fingerprint fingerprint(TestDatabase& db) {
  Fingerprint print;
  if (db.dialect() == Dialect::postgres) {
    print.bytes = pg_full_dump(db.url());
  } else {
    const fs::path file = sqlite_file(db);
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(file.parent_path())) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) print.folder += name + "\n";
    // Read the bytes first and query only an existing file: opening creates one.
    if (!fs::exists(file)) {
      print.bytes = "<absent>";
      return print;
    }
    print.bytes = slurp(file);
  }
  print.history = rows_of(db, "schema_migrations", "service, version");
  print.lock = rows_of(db, "migration_lock", "lock_id");
  return print;
}

void check_unchanged(TestDatabase& db, const Fingerprint& before) {
  const Fingerprint after = fingerprint(db);
  {
    INFO("the database's bytes (pg_dump of schema and data, or the SQLite file) changed");
    CHECK(after.bytes == before.bytes);
  }
  CHECK(after.folder == before.folder);
  CHECK(after.history == before.history);
  CHECK(after.lock == before.lock);
}

// ---------------------------------------------------------------------------------------
// The project every case starts from: core and app each at 0001 (with a row of data), each
// with 0002 pending, so that a run that went ahead would change something.

void add_revisions(const CliProject& project) {
  for (const std::string service : {"core", "app"}) {
    project.write(stem(1, service + "_items") + ".up.sql",
                  "CREATE TABLE " + service + "_items (id INTEGER PRIMARY KEY, note TEXT);\n"
                  "INSERT INTO " + service + "_items VALUES (1, 'kept');\n",
                  service);
    project.write(stem(1, service + "_items") + ".down.sql", "DROP TABLE " + service + "_items;\n", service);
    project.add_table(2, service + "_pending", service);
  }
}

// core and app at 0001 on db, through the URL variables.
void migrate_to_first(const CliProject& project, const TestDatabase& db) {
  CliOptions options;
  options.env = {{"CORE_DATABASE_URL", db.url()}, {"APP_DATABASE_URL", db.url()}};
  for (const std::string service : {"core", "app"}) {
    REQUIRE_EXIT(project.run({"up", service, "--to", "0001", "--yes"}, nullptr, options), 0);
  }
}

std::string joined(const Args& args) {
  std::string text;
  for (const std::string& arg : args) text += (text.empty() ? "" : " ") + arg;
  return text;
}

// The documented exit code, exactly one line on stderr naming the cause (every needle),
// and, with --json, one JSON document saying the same on stdout.
void check_refused(const CliResult& run, const Args& args, int code, const std::vector<std::string>& needles) {
  INFO("migrate " << joined(args) << "\n" << describe(run));
  CHECK(run.exit_code == code);
  CHECK(lines_of(run.err).size() == 1u);
  for (const std::string& needle : needles) CHECK_THAT(run.err, Catch::Contains(needle));
  if (std::find(args.begin(), args.end(), "--json") != args.end()) {
    nlohmann::json document;
    REQUIRE_NOTHROW(document = nlohmann::json::parse(run.out));
    CHECK(document.value("success", true) == false);
    const auto command = std::find_if(args.begin(), args.end(), [](const std::string& a) { return a[0] != '-'; });
    // status --json reports a service it cannot read in its own document (DESIGN.md's shape).
    if (command != args.end() && *command == "status" && document.contains("services")) {
      CHECK(document.value("overall_status", "") == "error");
    } else {
      CHECK(document.value("exit_code", -1) == code);
    }
  }
}

// The commands a case runs: every one that could change the database, and status.
std::vector<Args> changing_commands_and_status() {
  return {{"up", "--yes"},
          {"up", "app", "--yes"},
          {"down", "app", "--yes"},
          {"stamp", "app", "head"},
          {"status"},
          {"up", "--yes", "--json"}};
}

// A URL of the test cluster with other credentials and database: host and port are kept.
std::string cluster_url(const std::string& user, const std::string& password, const std::string& database) {
  const std::string admin = postgres_admin_url();
  const std::size_t at = admin.find('@');
  const std::size_t slash = admin.find('/', at);
  REQUIRE(at != std::string::npos);
  REQUIRE(slash != std::string::npos);
  return "postgresql://" + user + (password.empty() ? "" : ":" + password) + "@" +
         admin.substr(at + 1, slash - at - 1) + "/" + database;
}

std::string database_name(TestDatabase& db) { return db.scalar("SELECT current_database()"); }

// Runs a statement as the cluster's superuser, on the given database.
void admin_exec(const std::string& database, const std::string& sql) {
  const std::string admin = postgres_admin_url();
  pqxx::connection conn(admin.substr(0, admin.rfind('/') + 1) + database);
  pqxx::nontransaction tx(conn);
  tx.exec(sql);
}

// ---------------------------------------------------------------------------------------
// Servers that do not answer.

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

// A listener on 127.0.0.1 that never accepts: the kernel completes the TCP handshake and
// then nothing ever answers, like a hung server, so only connect_timeout ends a client's wait.
class SilentServer {
 public:
  SilentServer() : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    REQUIRE(m_fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(m_fd, 128) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    m_port = ntohs(address.sin_port);
  }
  ~SilentServer() { ::close(m_fd); }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  int port() const { return m_port; }

 private:
  int m_fd;
  int m_port = 0;
};

// ---------------------------------------------------------------------------------------
// File permissions, which root ignores: the child runs as `nobody` then (CliOptions::unprivileged).

void hand_over(const fs::path& root) {
  const UserIds user = unprivileged_user();
  if (::geteuid() != 0) return;
  REQUIRE(::chown(root.c_str(), user.uid, user.gid) == 0);
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    REQUIRE(::lchown(entry.path().c_str(), user.uid, user.gid) == 0);
  }
}

// Whether the user that CliOptions::unprivileged runs as can open path with flags.
bool unprivileged_can_open(const fs::path& path, int flags) {
  CliOptions options;
  options.unprivileged = true;
  const int code = run_forked([&] { return ::open(path.c_str(), flags | O_CLOEXEC, 0600) >= 0 ? 0 : 1; }, options);
  REQUIRE(code < 128);  // exited, not killed by a signal
  REQUIRE(code != 125);  // the runner could not drop to the unprivileged user
  return code == 0;
}

}  // namespace

// =======================================================================================

TEST_CASE("a bad manifest or service name changes nothing in an already migrated database", "[cli][robustness]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project(k_two_services);
  add_revisions(project);
  migrate_to_first(project, *db);
  const Fingerprint before = fingerprint(*db);

  std::vector<Args> commands = changing_commands_and_status();
  std::vector<std::string> needles;
  std::string needs_regex;
  SECTION("malformed TOML names the line and column") {
    project.set_manifest("[services.core]\nmigrations = services/core/migrations\n");
    needles = {"migrate.toml:2:"};
    needs_regex = R"(migrate\.toml:2:\d+: )";
  }
  SECTION("a manifest with bytes that are not UTF-8 names the line and column") {
    project.set_manifest(std::string(k_two_services) + "# caf\xE9\n");
    needles = {"migrate.toml:10:"};
    needs_regex = R"(migrate\.toml:10:\d+: .*utf-8)";
  }
  SECTION("a service name with a quote") {
    project.set_manifest("[services.\"it's a bot\"]\nmigrations = \"services/app/migrations\"\n");
    needles = {"invalid service name 'it's a bot'", "migrate.toml:1:"};
  }
  SECTION("a service name with spaces and SQL in it") {
    project.set_manifest("[services.\"app'; DROP TABLE app_items; --\"]\nmigrations = \"services/app/migrations\"\n");
    needles = {"invalid service name 'app'; DROP TABLE app_items; --'"};
  }
  SECTION("an unknown service on the command line") {
    commands = {{"up", "nosuch", "--yes"}, {"down", "nosuch", "--yes"}, {"stamp", "nosuch", "head"},
                {"status", "nosuch"}, {"up", "nosuch", "--yes", "--json"}};
    needles = {"unknown service 'nosuch'"};
  }
  SECTION("a service name with quotes and spaces on the command line") {
    commands = {{"up", "it's a bot", "--yes"}, {"down", "it's a bot", "--yes"}, {"stamp", "it's a bot", "head"},
                {"status", "it's a bot"}};
    needles = {"unknown service 'it's a bot'"};
  }

  CliOptions options;
  options.env = {{"CORE_DATABASE_URL", db->url()}, {"APP_DATABASE_URL", db->url()}};
  for (const Args& args : commands) {
    const CliResult run = project.run(args, nullptr, options);
    check_refused(run, args, 2, needles);
    if (!needs_regex.empty()) {
      CHECK(std::regex_search(run.err, std::regex(needs_regex, std::regex::icase)));
    }
    check_no_password(run, db->url());
    check_unchanged(*db, before);
  }
}

TEST_CASE("a service name is recorded exactly as the manifest spells it", "[cli][robustness]") {
  // DESIGN.md leaves names open; the manifest allows letters, digits, '-' and '_' (quotes
  // and spaces are refused above). What it allows reaches SQL bound or quoted, verbatim.
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  const std::string name = "Bot-2_x";
  CliProject project(single_service_manifest(name));
  project.add_table(1, "bot_items", name);
  CHECK_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  CHECK(db->scalar("SELECT service FROM schema_migrations") == name);
  CHECK(db->history(name) == std::vector<std::string>{"1:create_bot_items"});
  CHECK_EXIT(project.run({"down", name, "--yes"}, db.get()), 0);
  CHECK(db->history(name).empty());
}

TEST_CASE("an unparsable database URL exits 2 naming where it came from before anything is opened",
          "[cli][robustness]") {
  struct BadUrl {
    std::string url;
    std::string needle;
    std::vector<std::string> secrets;  // text of the URL that must never be shown
  };
  const std::vector<BadUrl> bad_urls{
      {"postgres://app:s3cr3t@127.0.0.1:notaport/db", "port \"notaport\"", {"s3cr3t"}},
      {"postgresql://app:s3cr3t@127.0.0.1:99999/db", "port \"99999\"", {"s3cr3t"}},
      {"postgres://app:s3cr3t@127.0.0.1/db?bogus_option=1", "bogus_option", {"s3cr3t"}},
      {"postgres://app:s3%ZZcr3t@127.0.0.1/db", "percent-encoded", {"s3%ZZcr3t", "ZZcr3t"}},
      {"postgres://app:s3cr3t@[::1/db", "IPv6", {"s3cr3t"}},
      {"host=127.0.0.1 user=app password=s3cr3t w0rd2 dbname=db", "word without '='", {"s3cr3t", "w0rd2"}},
      {"host=127.0.0.1 user=app password='s3cr3t dbname=db", "unterminated", {"s3cr3t"}},
      {"host=127.0.0.1 password=s3cr3t nosuchoption=1", "nosuchoption", {"s3cr3t"}},
      {"host=127.0.0.1 password=s3cr3t connect_timeout=soon", "connect_timeout", {"s3cr3t"}},
      {"mysql://app:s3cr3t@db/app", "unsupported database URL", {"s3cr3t"}},
      {"not a url", "unsupported database URL", {}},
      {"sqlite:", "no file path", {}},
  };
  // Where the bad URL comes from; core's own URL is the real database unless overridden.
  const std::string channel = GENERATE(as<std::string>{}, "--database-url", "DATABASE_URL", "APP_DATABASE_URL", ".env");
  const auto db = make_test_database(Dialect::postgres);
  CliProject project(k_two_services);
  add_revisions(project);
  migrate_to_first(project, *db);
  const Fingerprint before = fingerprint(*db);
  const std::string source = channel == ".env" ? "APP_DATABASE_URL" : channel;

  std::vector<Args> commands = changing_commands_and_status();
  // Exit 5 would make wait retry a URL that can never work until its timeout.
  commands.push_back({"wait", "--timeout", "3s"});
  for (const BadUrl& bad : bad_urls) {
    INFO("URL " << bad.url << " from " << channel);
    CliOptions options;
    options.env["CORE_DATABASE_URL"] = db->url();
    Args extra;
    if (channel == "--database-url") {
      extra = {"--database-url", bad.url};
    } else if (channel == ".env") {
      std::ofstream(project.dir() / ".env", std::ios::trunc) << "APP_DATABASE_URL=" << bad.url << "\n";
    } else {
      options.env[channel] = bad.url;
    }
    for (Args args : commands) {
      args.insert(args.end(), extra.begin(), extra.end());
      const CliResult run = project.run(args, nullptr, options);
      check_refused(run, args, 2, {source + ": ", bad.needle});
      for (const std::string& secret : bad.secrets) {
        CHECK_THAT(run.out + run.err, !Catch::Contains(secret));
      }
      check_unchanged(*db, before);
    }
  }
}

TEST_CASE("an unreachable server exits 5 within the connect timeout and changes nothing", "[cli][robustness]") {
  const auto db = make_test_database(Dialect::postgres);
  CliProject project(k_two_services);
  add_revisions(project);
  migrate_to_first(project, *db);
  const Fingerprint before = fingerprint(*db);
  const SilentServer silent;

  struct Unreachable {
    std::string name;
    std::string url;
    std::string needle;
  };
  const std::vector<Unreachable> cases{
      {"a closed port", "postgresql://app:s3cr3t@127.0.0.1:" + std::to_string(closed_port()) + "/db", "127.0.0.1"},
      {"a server that never answers (URI, connect_timeout=2)",
       "postgresql://app:s3cr3t@127.0.0.1:" + std::to_string(silent.port()) + "/db?connect_timeout=2",
       "timeout expired"},
      {"a server that never answers (key=value, connect_timeout=2)",
       "host=127.0.0.1 port=" + std::to_string(silent.port()) + " user=app password=s3cr3t dbname=db connect_timeout=2",
       "timeout expired"},
      // Non-routable: times out, or fails at once where the network says so; exit 5 either way.
      {"a non-routable address (connect_timeout=2)", "postgresql://app:s3cr3t@10.255.255.1:5432/db?connect_timeout=2",
       "10.255.255.1"},
  };
  // Each timeout costs two seconds: fewer commands for those.
  const std::vector<Args> quick{{"up", "--yes"}, {"stamp", "app", "head"}, {"status"}, {"up", "app", "--yes", "--json"}};
  for (const Unreachable& unreachable : cases) {
    const bool times_out = unreachable.needle == "timeout expired" || unreachable.needle == "10.255.255.1";
    for (const Args& args : times_out ? quick : changing_commands_and_status()) {
      INFO(unreachable.name);
      CliOptions options;
      options.env = {{"CORE_DATABASE_URL", db->url()}, {"APP_DATABASE_URL", unreachable.url}};
      const auto started = std::chrono::steady_clock::now();
      const CliResult run = project.run(args, nullptr, options);
      const auto elapsed = std::chrono::steady_clock::now() - started;
      check_refused(run, args, 5, {"cannot connect to", unreachable.needle});
      CHECK(elapsed < std::chrono::seconds(15));
      CHECK_THAT(run.out + run.err, !Catch::Contains("s3cr3t"));
      check_unchanged(*db, before);
    }
  }

  // Without connect_timeout in the URL, migrate's default (10 s) still ends the wait; libpq
  // alone would wait for ever.
  CliOptions options;
  options.env = {{"CORE_DATABASE_URL", db->url()},
                 {"APP_DATABASE_URL", "postgresql://app@127.0.0.1:" + std::to_string(silent.port()) + "/db"}};
  const auto started = std::chrono::steady_clock::now();
  const CliResult run = project.run({"status", "app"}, nullptr, options);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  check_refused(run, {"status", "app"}, 5, {"timeout expired"});
  CHECK(elapsed < std::chrono::seconds(15));
}

TEST_CASE("a wrong password exits 5 and is never echoed and changes nothing", "[cli][robustness]") {
  const auto db = make_test_database(Dialect::postgres);
  CliProject project(k_two_services);
  add_revisions(project);
  migrate_to_first(project, *db);
  const Fingerprint before = fingerprint(*db);
  const std::string wrong = "wr0ng-s3cr3t";
  const std::string name = database_name(*db);

  for (const std::string& url :
       {cluster_url("postgres", wrong, name), cluster_url("postgres", "", name) + "?password=" + wrong}) {
    std::vector<Args> commands = changing_commands_and_status();
    commands.push_back({"-v", "status", "app", "--json"});
    for (const Args& args : commands) {
      INFO("URL " << url);
      CliOptions options;
      options.env = {{"CORE_DATABASE_URL", db->url()}, {"APP_DATABASE_URL", url}};
      const CliResult run = project.run(args, nullptr, options);
      check_refused(run, args, 5, {"password authentication failed"});
      CHECK_THAT(run.out + run.err, !Catch::Contains(wrong));
      CHECK_THAT(slurp(project.dir() / "migration-audit.log"), !Catch::Contains(wrong));
      check_unchanged(*db, before);
    }
  }
}

TEST_CASE("a role without the CREATE privilege exits 1 naming it and changes nothing", "[cli][robustness]") {
  // Exit 1, not 5: the server answered and refused the change; waiting or retrying (what
  // exit 5 invites: `migrate wait`) cannot help. Like a failed revision, nothing is left.
  const std::string role = "migrate_weak_" + std::to_string(::getpid());
  struct DropRole {
    std::string role;
    ~DropRole() {
      try {
        admin_exec("postgres", "DROP ROLE IF EXISTS " + role);
      } catch (...) {
      }
    }
  } drop_role{role};
  admin_exec("postgres", "DROP ROLE IF EXISTS " + role);
  admin_exec("postgres", "CREATE ROLE " + role + " LOGIN PASSWORD 'weak-pw'");

  const auto db = make_test_database(Dialect::postgres);
  const std::string name = database_name(*db);
  CliProject project(k_two_services);
  add_revisions(project);
  std::vector<Args> commands{{"up", "--yes"}, {"stamp", "app", "head"}, {"up", "app", "--yes", "--json"}};
  std::vector<std::string> needles;
  SECTION("no CREATE on the schema, on a database migrate never ran on") {
    needles = {"permission denied for schema public", "CREATE privilege"};
  }
  SECTION("no CREATE on the schema, on a database the owner migrated") {
    // migrate's own tables exist and the role may write them (so stamp would work); the
    // pending revision's CREATE TABLE is what the server refuses, and it is rolled back.
    migrate_to_first(project, *db);
    admin_exec(name, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role);
    commands = {{"-q", "up", "--yes"}, {"-q", "up", "app", "--yes", "--json"}};
    needles = {"permission denied for schema public", "_pending", "rolled back"};
  }
  SECTION("CREATE on the schema but not on the database, for a revision that creates a schema") {
    CliOptions owner;
    owner.env = {{"CORE_DATABASE_URL", db->url()}, {"APP_DATABASE_URL", db->url()}};
    REQUIRE_EXIT(project.run({"up", "--yes"}, nullptr, owner), 0);
    admin_exec(name, "GRANT CREATE ON SCHEMA public TO " + role +
                         "; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role);
    project.write(stem(3, "own_schema") + ".up.sql", "CREATE SCHEMA app_private;\n");
    // -q: this run gets as far as the backup, whose "written to" line is not the point here.
    commands = {{"-q", "up", "app", "--yes"}, {"-q", "up", "app", "--yes", "--json"}};
    needles = {"permission denied for database " + name, "0003_own_schema"};
  }
  const Fingerprint before = fingerprint(*db);
  CliOptions options;
  options.env = {{"CORE_DATABASE_URL", cluster_url(role, "weak-pw", name)},
                 {"APP_DATABASE_URL", cluster_url(role, "weak-pw", name)}};
  for (const Args& args : commands) {
    const CliResult run = project.run(args, nullptr, options);
    check_refused(run, args, 1, needles);
    CHECK_THAT(run.out + run.err, !Catch::Contains("weak-pw"));
    check_unchanged(*db, before);
  }
  // Status only reads: it works with these rights.
  CHECK_EXIT(project.run({"status"}, nullptr, options), 0);
  check_unchanged(*db, before);
}

TEST_CASE("a read-only SQLite database exits 1 and stays byte for byte the same", "[cli][robustness]") {
  // Root ignores file modes, so when the suite runs as root the binary runs as `nobody`
  // (CliOptions::unprivileged) on a project that nobody owns; either way the test first
  // proves that the writes really are denied, so it cannot pass by not testing.
  CliProject project(single_service_manifest("app"));
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  const fs::path var = project.dir() / "var";
  const fs::path file = var / "app.db";
  const std::string url = "sqlite://" + file.string();
  REQUIRE_EXIT(project.run({"up", "app", "--to", "0001", "--yes", "--database-url", url}), 0);
  hand_over(project.dir());

  std::string needle;
  SECTION("the file is mode 0444") {
    REQUIRE(::chmod(file.c_str(), 0444) == 0);
    REQUIRE_FALSE(unprivileged_can_open(file, O_WRONLY));
    needle = "attempt to write a readonly database";
  }
  SECTION("the file is writable but its folder is mode 0555 (no journal can be created)") {
    REQUIRE(::chmod(var.c_str(), 0555) == 0);
    REQUIRE(unprivileged_can_open(file, O_WRONLY));
    REQUIRE_FALSE(unprivileged_can_open(var / "probe", O_WRONLY | O_CREAT));
    needle = "attempt to write a readonly database";
  }
  const std::string bytes = slurp(file);
  const auto entries = [&] {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(var)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  };
  const std::vector<std::string> entries_before = entries();

  CliOptions options;
  options.unprivileged = true;
  for (const Args& args : std::vector<Args>{{"up", "--yes"}, {"down", "app", "--yes"}, {"stamp", "app", "head"},
                                            {"up", "--yes", "--json"}}) {
    Args full = args;
    full.insert(full.end(), {"--database-url", url});
    const CliResult run = project.run(full, nullptr, options);
    check_refused(run, full, 1, {"sqlite:" + file.string(), needle});
    CHECK(slurp(file) == bytes);
    CHECK(entries() == entries_before);
  }
  const CliResult status = project.run({"status", "--database-url", url}, nullptr, options);
  CHECK_EXIT(status, 0);
  CHECK_THAT(status.out, Catch::Contains("pending"));
  CHECK(slurp(file) == bytes);
  ::chmod(var.c_str(), 0755);
}

TEST_CASE("an unreadable revision file exits 2 naming it before any database is touched", "[cli][robustness]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project(k_two_services);
  add_revisions(project);
  migrate_to_first(project, *db);
  const fs::path unreadable = project.write(stem(3, "secret_plan") + ".up.sql", "CREATE TABLE plan (id INTEGER);\n");
  hand_over(project.dir());
  REQUIRE(::chmod(unreadable.c_str(), 0) == 0);
  REQUIRE_FALSE(unprivileged_can_open(unreadable, O_RDONLY));
  const Fingerprint before = fingerprint(*db);

  CliOptions options;
  options.unprivileged = true;
  options.env = {{"CORE_DATABASE_URL", db->url()}, {"APP_DATABASE_URL", db->url()}};
  for (const Args& args : changing_commands_and_status()) {
    const CliResult run = project.run(args, nullptr, options);
    check_refused(run, args, 2, {"cannot read " + unreadable.string(), "Permission denied"});
    check_unchanged(*db, before);
  }
}

TEST_CASE("bytes that are not UTF-8 in a revision file are refused before anything runs", "[cli][robustness]") {
  // PostgreSQL would reject the file after the backup and the revisions before it; SQLite
  // would store the bytes as mangled text. Neither runs it: exit 2, with line and column.
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  const std::string role = GENERATE(as<std::string>{}, "up", "down");
  INFO("dialect: " << migrate::to_string(dialect) << ", in the " << role << " file");
  const auto db = make_test_database(dialect);
  CliProject project(k_two_services);
  add_revisions(project);
  migrate_to_first(project, *db);
  // Latin-1 "café" on line 2, column 30 (counted in characters).
  const std::string latin1 = "-- notes\nINSERT INTO app_items VALUES (7, 'caf\xE9');\n";
  const std::string file = stem(3, "latin1_note") + "." + role + ".sql";
  if (role == "up") {
    project.write(file, latin1);
  } else {
    project.write(stem(3, "latin1_note") + ".up.sql", "SELECT 1;\n");
    project.write(file, latin1);
  }
  const Fingerprint before = fingerprint(*db);

  CliOptions options;
  options.env = {{"CORE_DATABASE_URL", db->url()}, {"APP_DATABASE_URL", db->url()}};
  std::vector<Args> commands = changing_commands_and_status();
  commands.push_back({"verify"});
  commands.push_back({"up", "--dry-run", "--json"});
  for (const Args& args : commands) {
    const CliResult run = project.run(args, nullptr, options);
    check_refused(run, args, 2, {file + ":2:38: not valid UTF-8 (byte 0xE9)"});
    check_unchanged(*db, before);
  }
}

TEST_CASE("an error naming a file that is not UTF-8 still gives valid JSON", "[cli][robustness]") {
  const auto db = make_test_database(Dialect::sqlite);
  CliProject project(k_two_services);
  add_revisions(project);
  project.write("0003_caf\xE9.up.sql", "SELECT 1;\n");
  CliOptions options;
  options.env = {{"CORE_DATABASE_URL", db->url()}, {"APP_DATABASE_URL", db->url()}};
  for (const Args& args : std::vector<Args>{{"up", "--yes", "--json"}, {"status", "--json"}}) {
    const CliResult run = project.run(args, nullptr, options);
    check_refused(run, args, 2, {"unparsable revision file name"});
  }
  CHECK_FALSE(fs::exists(sqlite_file(*db)));
}

TEST_CASE("a migrations folder that is a file or a folder named like a revision file is refused", "[cli][robustness]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project(k_two_services);
  add_revisions(project);
  migrate_to_first(project, *db);
  std::vector<std::string> needles;
  SECTION("the migrations folder is a regular file") {
    fs::remove_all(project.migrations("app"));
    std::ofstream(project.migrations("app")) << "not a folder\n";
    REQUIRE(fs::is_regular_file(project.migrations("app")));
    needles = {"migrations folder " + project.migrations("app").string() + " is not a folder"};
  }
  SECTION("a revision file name that is a folder") {
    // Skipping it would apply 0004 and leave 0003 to be refused as out of order later.
    fs::create_directories(project.migrations("app") / (stem(3, "folder") + ".up.sql"));
    project.add_table(4, "after_folder");
    needles = {stem(3, "folder") + ".up.sql is a folder, not a file"};
  }
  const Fingerprint before = fingerprint(*db);
  CliOptions options;
  options.env = {{"CORE_DATABASE_URL", db->url()}, {"APP_DATABASE_URL", db->url()}};
  for (const Args& args : changing_commands_and_status()) {
    check_refused(project.run(args, nullptr, options), args, 2, needles);
    check_unchanged(*db, before);
  }
}

TEST_CASE("symbolic links to revision files and folders are followed and a dangling one is refused",
          "[cli][robustness]") {
  // Followed: a deployment that links a service's migrations from a shared checkout should
  // work, and the checksum is of the content, as for a regular file. A link that leads
  // nowhere is an error before any database is touched, never a skipped revision.
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project(k_two_services);
  add_revisions(project);
  migrate_to_first(project, *db);
  CliOptions options;
  options.env = {{"CORE_DATABASE_URL", db->url()}, {"APP_DATABASE_URL", db->url()}};
  const std::string linked_sql = "CREATE TABLE linked (id INTEGER);\n";

  SECTION("a symlinked revision file is applied, with its content's checksum") {
    const fs::path target = project.dir() / "shared" / "linked.sql";
    fs::create_directories(target.parent_path());
    std::ofstream(target) << linked_sql;
    fs::create_symlink("../../../shared/linked.sql", project.migrations("app") / (stem(3, "linked") + ".up.sql"));
    CHECK_EXIT(project.run({"up", "app", "--yes"}, nullptr, options), 0);
    CHECK(db->history("app") == std::vector<std::string>{"1:app_items", "2:create_app_pending", "3:linked"});
    CHECK(db->scalar("SELECT checksum FROM schema_migrations WHERE service = 'app' AND version = 3") ==
          migrate::util::sha256_hex(linked_sql));
    CHECK_EXIT(project.run({"verify"}, nullptr, options), 0);
  }
  SECTION("a symlinked migrations folder is followed") {
    fs::rename(project.migrations("app"), project.dir() / "real-app-migrations");
    fs::create_directory_symlink("../../real-app-migrations", project.migrations("app"));
    CHECK_EXIT(project.run({"up", "app", "--yes"}, nullptr, options), 0);
    CHECK(db->history("app") == std::vector<std::string>{"1:app_items", "2:create_app_pending"});
    CHECK_EXIT(project.run({"down", "app", "--yes"}, nullptr, options), 0);
    CHECK_EXIT(project.run({"verify"}, nullptr, options), 0);
  }
  SECTION("dangling links change nothing, not even the revisions before them") {
    std::vector<std::string> needles;
    SECTION("a dangling revision file") {
      const fs::path link = project.migrations("app") / (stem(3, "gone") + ".up.sql");
      fs::create_symlink("/nonexistent/gone.sql", link);
      needles = {"cannot read " + link.string(), "dangling symbolic link", "/nonexistent/gone.sql"};
    }
    SECTION("a dangling down file") {
      const fs::path link = project.migrations("app") / (stem(2, "create_app_pending") + ".down.sql");
      fs::remove(link);
      fs::create_symlink("../nowhere.sql", link);
      needles = {"cannot read " + link.string(), "dangling symbolic link"};
    }
    SECTION("a revision file that links to itself") {
      const fs::path link = project.migrations("app") / (stem(3, "loop") + ".up.sql");
      fs::create_symlink(link.filename(), link);
      needles = {"cannot read " + link.string(), "Too many levels of symbolic links"};
    }
    SECTION("a dangling migrations folder") {
      fs::remove_all(project.migrations("app"));
      fs::create_directory_symlink("/nonexistent/migrations", project.migrations("app"));
      needles = {"migrations folder " + project.migrations("app").string() + " does not exist"};
    }
    const Fingerprint before = fingerprint(*db);
    for (const Args& args : changing_commands_and_status()) {
      check_refused(project.run(args, nullptr, options), args, 2, needles);
      check_unchanged(*db, before);
    }
  }
}
