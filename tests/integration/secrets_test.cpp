// Secrets: a database password, however it is spelled and wherever the URL comes from,
// never shows in stdout, stderr (-v), the audit log, --json output, error messages, backup
// file names, or the argv of the pg_dump / psql / pg_restore children (it travels in
// PGPASSWORD). Children are started with an argument vector, never through a shell.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>

#include "integration/integration_support.hpp"

namespace migrate::itest {
namespace {

// Every spelling of the password contains this, so one search finds any leak.
const std::string k_marker = "s3cr3t";
// Space, slash, at, colon, percent, query characters, both quotes and a backslash: each one
// needs escaping in some URL form.
const std::string k_password = "Xy7 " + k_marker + "/@:%?&='\"\\end";

std::string percent_encode(const std::string& text) {
  static const char* const k_hex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += '%';
      out += k_hex[byte >> 4];
      out += k_hex[byte & 0xF];
    }
  }
  return out;
}

// A libpq key=value value: single-quoted, with ' and \ escaped by a backslash.
std::string conninfo_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// A double-quoted string for TOML or .env: " and \ escaped by a backslash.
std::string double_quote(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// host and port of the test cluster ("127.0.0.1", "15432").
std::pair<std::string, std::string> cluster_address() {
  const std::string admin = test::postgres_admin_url();
  const std::size_t at = admin.rfind('@');
  const std::size_t slash = admin.find('/', at);
  const std::string host_port = admin.substr(at + 1, slash - at - 1);
  const std::size_t colon = host_port.rfind(':');
  return {host_port.substr(0, colon), host_port.substr(colon + 1)};
}

// A login role whose password is `password`, owning a fresh database; both dropped at the end.
class SecretDatabase {
 public:
  explicit SecretDatabase(const std::string& password = k_password, const std::string& name = "") {
    static std::atomic<int> counter{0};
    const std::string suffix = std::to_string(::getpid()) + "_" + std::to_string(counter++);
    m_role = "migrate_sec_" + suffix;
    m_database = name.empty() ? "migrate_secdb_" + suffix : name;
    pqxx::connection conn(test::postgres_admin_url());
    pqxx::nontransaction tx(conn);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(m_database));
    tx.exec("DROP ROLE IF EXISTS " + m_role);
    tx.exec("CREATE ROLE " + m_role + " LOGIN PASSWORD " + tx.quote(password));
    tx.exec("CREATE DATABASE " + tx.quote_name(m_database) + " OWNER " + m_role);
  }
  ~SecretDatabase() {
    try {
      pqxx::connection conn(test::postgres_admin_url());
      pqxx::nontransaction tx(conn);
      tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(m_database) + " WITH (FORCE)");
      tx.exec("DROP ROLE IF EXISTS " + m_role);
    } catch (...) {
    }
  }
  SecretDatabase(const SecretDatabase&) = delete;
  SecretDatabase& operator=(const SecretDatabase&) = delete;

  const std::string& role() const { return m_role; }
  const std::string& database() const { return m_database; }

  /// The URL in one of its forms: "uri" (password in the user info), "query"
  /// (?password=), "keyword" (libpq key=value).
  std::string url(const std::string& form, const std::string& password = k_password) const {
    const auto [host, port] = cluster_address();
    if (form == "keyword") {
      return "host=" + host + " port=" + port + " user=" + m_role + " password=" + conninfo_quote(password) +
             " dbname=" + conninfo_quote(m_database);
    }
    const std::string authority = host + ":" + port + "/" + percent_encode(m_database);
    if (form == "query") return "postgresql://" + m_role + "@" + authority + "?password=" + percent_encode(password);
    return "postgresql://" + m_role + ":" + percent_encode(password) + "@" + authority;
  }

  /// Runs a query as the cluster's superuser on this database; the first column of each row.
  std::vector<std::string> query(const std::string& sql) const {
    const std::string admin = test::postgres_admin_url();
    pqxx::connection conn(admin.substr(0, admin.rfind('/') + 1) + percent_encode(m_database));
    pqxx::nontransaction tx(conn);
    std::vector<std::string> values;
    for (const pqxx::row& row : tx.exec(sql)) values.push_back(row[0].is_null() ? "NULL" : row[0].c_str());
    return values;
  }

  std::vector<std::string> history() const {
    if (query("SELECT to_regclass('public.schema_migrations')::text")[0] == "NULL") return {};
    return query("SELECT version || ':' || name FROM schema_migrations ORDER BY version");
  }

 private:
  std::string m_role;
  std::string m_database;
};

// pg_dump, psql and pg_restore stand-ins, first on PATH: each appends what another process
// sees of it (/proc/<pid>/cmdline, NUL-separated, and its argv) and whether PGPASSWORD is set
// (never its value) to the log, then execs the real tool. `failing` makes pg_dump instead
// print its environment's password and its argv to stderr and fail, to prove that migrate
// masks what a child says.
class SpyTools {
 public:
  explicit SpyTools(bool failing = false) {
    for (const std::string tool : {"pg_dump", "psql", "pg_restore"}) {
      std::string script = "#!/bin/bash\n{\n  printf 'tool %s\\n' '" + tool +
                           "'\n  printf 'cmdline '; tr '\\0' ' ' < /proc/$$/cmdline; printf '\\n'\n"
                           "  printf 'argv'; printf ' [%s]' \"$@\"; printf '\\n'\n"
                           "  printf 'pgpassword %s\\n' \"${PGPASSWORD:+set}\"\n"
                           "  if [ -n \"$PGSERVICEFILE\" ]; then printf 'servicefile %s %s %s %s\\n' \"$PGSERVICE\" "
                           "\"$(stat -c %a \"$PGSERVICEFILE\")\" \"$(stat -c %a \"$(dirname \"$PGSERVICEFILE\")\")\" "
                           "\"$(grep -c '^sslpassword=' \"$PGSERVICEFILE\")\"; "
                           "printf 'servicepath %s\\n' \"$PGSERVICEFILE\"; fi\n} >> '" +
                           log().string() + "'\n";
      if (failing && tool == "pg_dump") {
        script += "if [ \"$1\" != --version ]; then echo \"pg_dump: error: PGPASSWORD=$PGPASSWORD argv=$*\" >&2; exit 1; fi\n";
      }
      script += "exec " + pg_tool(tool).string() + " \"$@\"\n";
      const fs::path path = m_dir.write("bin/" + tool, script);
      fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    }
  }

  fs::path log() const { return m_dir.path() / "spy.log"; }
  std::string path_variable() const { return (m_dir.path() / "bin").string() + ":" + std::getenv("PATH"); }
  std::string text() const { return fs::exists(log()) ? test::slurp(log()) : std::string(); }

  /// The tools that ran for real work (not just --version).
  std::vector<std::string> tools_run() const {
    std::vector<std::string> tools;
    std::string tool;
    for (const std::string& line : split_lines(text())) {
      if (line.rfind("tool ", 0) == 0) tool = line.substr(5);
      if (line.rfind("argv ", 0) == 0 && line != "argv [--version]") tools.push_back(tool);
    }
    return tools;
  }

  /// The service files the tools were pointed at (PGSERVICEFILE).
  std::vector<std::string> service_files() const {
    std::vector<std::string> paths;
    for (const std::string& line : split_lines(text())) {
      if (line.rfind("servicepath ", 0) == 0) paths.push_back(line.substr(12));
    }
    return paths;
  }

  /// Checks every logged call: no password in the command line, PGPASSWORD set for real work.
  void check() const {
    const std::string log_text = text();
    INFO("spy log:\n" << log_text);
    CHECK_FALSE(log_text.empty());
    CHECK_THAT(log_text, !Catch::Contains(k_marker));
    bool version_call = false;
    for (const std::string& line : split_lines(log_text)) {
      if (line.rfind("argv", 0) == 0) version_call = line == "argv [--version]";
      if (line.rfind("pgpassword", 0) == 0 && !version_call) CHECK(line == "pgpassword set");
    }
  }

 private:
  test::TempDir m_dir;
};

// A project whose one service `app` takes its URL from APP_DATABASE_URL.
std::string app_manifest_services(const std::string& database_url_line = "") {
  return "[services.app]\nmigrations = \"services/app/migrations\"\ndatabase_url_env = \"APP_DATABASE_URL\"\n" +
         database_url_line;
}

void add_app_revisions(const Project& project) {
  project.add("app", 1, "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT);\nINSERT INTO items VALUES (1, 'one');\n",
              "DROP TABLE items;\n");
}

std::string joined(const std::vector<std::string>& args) {
  std::string text = "migrate";
  for (const std::string& arg : args) text += " " + arg;
  return text;
}

// Checks one run: no password anywhere in what it printed.
void check_quiet(const test::CliResult& result, const std::string& what) {
  INFO(what << "\n" << describe(result));
  CHECK_THAT(result.out, !Catch::Contains(k_marker));
  CHECK_THAT(result.err, !Catch::Contains(k_marker));
}

void check_audit_and_backups(const Project& project) {
  const std::string audit = fs::exists(project.audit_log()) ? test::slurp(project.audit_log()) : "";
  INFO("audit log:\n" << audit);
  CHECK_THAT(audit, !Catch::Contains(k_marker));
  for (const std::string& name : project.backup_entries()) {
    INFO("backup file " << name);
    CHECK_THAT(name, !Catch::Contains(k_marker));
    CHECK(name.rfind("app_", 0) == 0);
  }
}

}  // namespace

TEST_CASE("a password given through any channel and in any URL form never shows", "[integration][secrets]") {
  const std::string form = GENERATE(as<std::string>{}, "uri", "query", "keyword");
  const std::string channel =
      GENERATE(as<std::string>{}, "--database-url", "DATABASE_URL", "APP_DATABASE_URL", ".env", "manifest");
  INFO("URL form " << form << " through " << channel);
  const SecretDatabase db;
  const std::string url = db.url(form);
  REQUIRE_THAT(url, Catch::Contains(k_marker) || Catch::Contains(percent_encode(k_marker)));

  Project project(app_manifest_services(channel == "manifest" ? "database_url = " + double_quote(url) + "\n" : ""));
  add_app_revisions(project);
  const SpyTools spy;
  test::CliOptions options;
  options.env["PATH"] = spy.path_variable();
  std::vector<std::string> global{"-v"};
  if (channel == "--database-url") {
    global = {"-v", "--database-url", url};
  } else if (channel == ".env") {
    std::ofstream(project.dir() / ".env") << "APP_DATABASE_URL=" << double_quote(url) << "\n";
  } else if (channel != "manifest") {
    options.env[channel] = url;
  }
  const auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), global.begin(), global.end());
    const test::CliResult result = project.run(args, options);
    check_quiet(result, joined(args));
    return result;
  };

  ITEST_CHECK_EXIT(run({"up", "--yes"}), 0);
  CHECK(db.history() == std::vector<std::string>{"1:items"});
  const test::CliResult status = run({"status", "--json"});
  ITEST_CHECK_EXIT(status, 0);
  CHECK_THAT(status.out, Catch::Contains("***"));
  ITEST_CHECK_EXIT(run({"history", "--json"}), 0);
  ITEST_CHECK_EXIT(run({"verify", "--json"}), 0);
  ITEST_CHECK_EXIT(run({"backups", "--json"}), 0);
  ITEST_CHECK_EXIT(run({"down", "app", "--yes", "--json"}), 0);
  CHECK(db.history().empty());
  // A failing revision: the server's error message is printed, the password is not.
  project.add("app", 2, "broken", "CREATE TABLE broken (;\n");
  ITEST_CHECK_EXIT(run({"up", "--yes"}), 1);
  ITEST_CHECK_EXIT(run({"up", "--yes", "--json"}), 1);

  check_audit_and_backups(project);
  spy.check();
  CHECK(spy.tools_run() == std::vector<std::string>{"pg_dump", "pg_dump", "pg_dump", "pg_dump"});
}

TEST_CASE("pg_dump and pg_restore and psql get the password through the environment and never in argv",
          "[integration][secrets]") {
  const std::string form = GENERATE(as<std::string>{}, "uri", "query", "keyword");
  INFO("URL form " << form);
  const SecretDatabase db;
  Project project(app_manifest_services());
  add_app_revisions(project);
  const SpyTools spy;
  test::CliOptions options;
  options.env = {{"PATH", spy.path_variable()}, {"APP_DATABASE_URL", db.url(form)}};
  const auto run = [&](const std::vector<std::string>& args) {
    const test::CliResult result = project.run(args, options);
    check_quiet(result, joined(args));
    return result;
  };

  ITEST_REQUIRE_EXIT(run({"-v", "up", "--yes"}), 0);                               // pg_dump (plain)
  const auto first_plain = backup_names(project.backup_entries(), "app", ".sql");
  REQUIRE(first_plain.size() == 1u);
  ITEST_REQUIRE_EXIT(run({"-v", "backup", "--backup-format", "custom"}), 0);       // pg_dump (custom)
  const auto dumps = backup_names(project.backup_entries(), "app", ".dump");
  REQUIRE(dumps.size() == 1u);
  ITEST_REQUIRE_EXIT(run({"-v", "down", "app", "--yes"}), 0);                     // pg_dump
  CHECK(db.history().empty());
  // Back to the state with 0001 applied, from the custom dump: pg_restore, then psql.
  ITEST_REQUIRE_EXIT(run({"-v", "restore", "app", (project.backup_dir() / dumps[0]).string(), "--yes", "--no-backup"}),
                     0);
  CHECK(db.history() == std::vector<std::string>{"1:items"});
  CHECK(db.query("SELECT note FROM items") == std::vector<std::string>{"one"});
  // And to the empty state of the first backup, a plain file: psql alone.
  ITEST_REQUIRE_EXIT(run({"-v", "restore", "app", (project.backup_dir() / first_plain[0]).string(), "--yes"}), 0);
  CHECK(db.history().empty());

  check_audit_and_backups(project);
  spy.check();
  CHECK(spy.tools_run() ==
        std::vector<std::string>{"pg_dump", "pg_dump", "pg_dump", "pg_restore", "psql", "pg_dump", "psql"});
}

TEST_CASE("connection and backup failures never show the password", "[integration][secrets]") {
  const std::string form = GENERATE(as<std::string>{}, "uri", "query", "keyword");
  INFO("URL form " << form);
  const SecretDatabase db;
  Project project(app_manifest_services());
  add_app_revisions(project);
  std::string url;
  int expected = 0;
  bool failing_backup = false;
  SECTION("authentication failure: the wrong password is the secret") {
    url = db.url(form, "wrong-" + k_password);
    expected = 5;
  }
  SECTION("unreachable host") {
    // Same URL, a port nothing listens on: libpq's message names host and port only.
    const auto [host, port] = cluster_address();
    url = db.url(form);
    const std::string from = form == "keyword" ? "port=" + port : ":" + port + "/";
    const std::string to = form == "keyword" ? "port=1" : ":1/";
    url.replace(url.find(from), from.size(), to);
    expected = 5;
  }
  SECTION("a backup tool that prints the password it was given") {
    url = db.url(form);
    expected = 1;
    failing_backup = true;
  }
  const SpyTools spy(failing_backup);
  for (const std::string channel : {"--database-url", "APP_DATABASE_URL"}) {
    test::CliOptions options;
    options.env["PATH"] = spy.path_variable();
    std::vector<std::string> global{"-v"};
    if (channel == "--database-url") global = {"-v", "--database-url", url};
    else options.env[channel] = url;
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"up", "--yes"}, std::vector<std::string>{"up", "--yes", "--json"},
          std::vector<std::string>{"status", "--json"}, std::vector<std::string>{"backup"},
          std::vector<std::string>{"wait", "--timeout", "1s"}}) {
      std::vector<std::string> full = global;
      full.insert(full.end(), args.begin(), args.end());
      const test::CliResult result = project.run(full, options);
      check_quiet(result, joined(full) + " (URL through " + channel + ")");
      const bool reads_only = args[0] == "status" || args[0] == "wait";
      ITEST_CHECK_EXIT(result, failing_backup && reads_only ? 0 : expected);
      if (failing_backup && args[0] != "status" && args[0] != "wait") {
        // What the tool printed is shown, masked.
        CHECK_THAT(result.out + result.err, Catch::Contains("PGPASSWORD=***"));
      }
    }
  }
  CHECK(db.history().empty());
  check_audit_and_backups(project);
  CHECK(project.backup_entries().empty());
  if (failing_backup) spy.check();
}

TEST_CASE("children get an argument vector: shell syntax in names is taken literally", "[integration][secrets]") {
  // If any child were started through a shell, one of these would create a marker file.
  const std::string database = "db; touch m1 $(touch m2) `touch m3` & x";
  const std::string backup_dir = "backups; touch m4 $(touch m5) `touch m6` | x";
  const SecretDatabase db(k_password, database);
  const std::string form = GENERATE(as<std::string>{}, "uri", "keyword");
  INFO("URL form " << form);
  Project project(app_manifest_services());
  project.set_manifest("[defaults]\nbackup_dir = " + double_quote(backup_dir) +
                       "\naudit_log = \"migration-audit.log\"\n\n" + app_manifest_services());
  add_app_revisions(project);
  const SpyTools spy;
  test::CliOptions options;
  options.cwd = project.dir();
  options.env = {{"PATH", spy.path_variable()}, {"APP_DATABASE_URL", db.url(form)}};

  const auto run = [&](const std::vector<std::string>& args) {
    const test::CliResult result = project.run(args, options);
    check_quiet(result, joined(args));
    return result;
  };
  ITEST_REQUIRE_EXIT(run({"up", "--yes"}), 0);
  ITEST_REQUIRE_EXIT(run({"backup", "--backup-format", "custom"}), 0);
  CHECK(db.history() == std::vector<std::string>{"1:items"});
  const fs::path folder = project.dir() / backup_dir;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(folder)) files.push_back(entry.path().filename());
  std::sort(files.begin(), files.end());
  REQUIRE(backup_names(files, "app", ".sql").size() == 1u);
  REQUIRE(backup_names(files, "app", ".dump").size() == 1u);
  // Restore the empty state (the plain file), then the migrated one (the custom dump).
  ITEST_REQUIRE_EXIT(run({"restore", "app", (folder / backup_names(files, "app", ".sql")[0]).string(), "--yes"}), 0);
  CHECK(db.history().empty());
  ITEST_REQUIRE_EXIT(run({"restore", "app", (folder / backup_names(files, "app", ".dump")[0]).string(), "--yes"}), 0);
  CHECK(db.history() == std::vector<std::string>{"1:items"});

  // The children run in migrate's working folder (the project); look there and here.
  std::vector<std::string> markers;
  const auto is_marker = [](const fs::path& path) {
    const std::string name = path.filename();
    return name.size() == 2 && name[0] == 'm' && name[1] >= '1' && name[1] <= '6';
  };
  for (const auto& entry : fs::recursive_directory_iterator(project.dir())) {
    if (is_marker(entry.path())) markers.push_back(entry.path());
  }
  for (const auto& entry : fs::directory_iterator(fs::current_path())) {
    if (is_marker(entry.path())) markers.push_back(entry.path());
  }
  CHECK(markers.empty());
  // The names reached the tools whole, as one argument each.
  const std::string log = spy.text();
  CHECK_THAT(log, Catch::Contains("[--file=" + (folder / "").string()));
  spy.check();
}

TEST_CASE("sslpassword never reaches a child's argv, the output or the audit log, in any URL form",
          "[integration][secrets]") {
  const std::string form = GENERATE(as<std::string>{}, "uri", "keyword");
  INFO("URL form " << form);
  const SecretDatabase db;
  // The cluster has no SSL: libpq keeps sslpassword for a client key it never needs, so
  // the connection works, and every child is handed it.
  const std::string ssl_password = "k3y " + k_marker + "/@:%&='\\end";
  const std::string url = form == "keyword" ? db.url(form) + " sslpassword=" + conninfo_quote(ssl_password)
                                            : db.url(form) + "?sslpassword=" + percent_encode(ssl_password);
  Project project(app_manifest_services());
  add_app_revisions(project);
  const SpyTools spy;
  test::CliOptions options;
  options.env = {{"PATH", spy.path_variable()}, {"APP_DATABASE_URL", url}};
  const auto run = [&](const std::vector<std::string>& args) {
    const test::CliResult result = project.run(args, options);
    check_quiet(result, joined(args));
    return result;
  };
  ITEST_REQUIRE_EXIT(run({"-v", "up", "--yes"}), 0);                                // pg_dump
  ITEST_REQUIRE_EXIT(run({"-v", "backup", "--backup-format", "custom", "--json"}), 0);  // pg_dump
  const auto dumps = backup_names(project.backup_entries(), "app", ".dump");
  REQUIRE(dumps.size() == 1u);
  ITEST_REQUIRE_EXIT(run({"-v", "down", "app", "--yes", "--json"}), 0);             // pg_dump
  CHECK(db.history().empty());
  ITEST_REQUIRE_EXIT(run({"-v", "restore", "app", (project.backup_dir() / dumps[0]).string(), "--yes", "--no-backup"}),
                     0);  // pg_restore, psql
  CHECK(db.history() == std::vector<std::string>{"1:items"});
  const test::CliResult status = run({"status", "--json"});
  ITEST_CHECK_EXIT(status, 0);
  CHECK_THAT(status.out, Catch::Contains("sslpassword=***"));

  check_audit_and_backups(project);
  spy.check();
  CHECK(spy.tools_run() == std::vector<std::string>{"pg_dump", "pg_dump", "pg_dump", "pg_restore", "psql"});
  // Each tool found the connection in a private service file (0600 in a 0700 folder),
  // sslpassword included, and the file was gone afterwards.
  const std::string log = spy.text();
  CHECK_THAT(log, Catch::Contains("servicefile migrate 600 700 1"));
  CHECK_THAT(log, !Catch::Contains("--dbname"));
  const auto files = spy.service_files();
  CHECK_FALSE(files.empty());
  for (const std::string& file : files) CHECK_FALSE(fs::exists(fs::path(file).parent_path()));
}

TEST_CASE("a URL with a raw '/', '@' or '%' in its password is refused, never shown, nothing done",
          "[integration][secrets]") {
  const std::string raw = GENERATE(as<std::string>{}, "Xy/" + k_marker, "Xy@" + k_marker, "Xy%" + k_marker);
  INFO("password " << raw);
  const SecretDatabase db(raw);
  const auto [host, port] = cluster_address();
  const std::string url = "postgresql://" + db.role() + ":" + raw + "@" + host + ":" + port + "/" + db.database();
  Project project(app_manifest_services());
  add_app_revisions(project);
  test::CliOptions options;
  options.env = {{"APP_DATABASE_URL", url}};
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"up", "--yes"}, std::vector<std::string>{"up", "--yes", "--json"},
        std::vector<std::string>{"status", "--json"}, std::vector<std::string>{"-v", "backup"}}) {
    const test::CliResult result = project.run(args, options);
    check_quiet(result, joined(args));
    ITEST_CHECK_EXIT(result, 2);
    CHECK_THAT(result.out + result.err, Catch::Contains("percent-encode"));
    CHECK_THAT(result.out + result.err, !Catch::Contains("Xy"));
  }
  CHECK(db.history().empty());
  check_audit_and_backups(project);
  CHECK(project.backup_entries().empty());
}

}  // namespace migrate::itest
