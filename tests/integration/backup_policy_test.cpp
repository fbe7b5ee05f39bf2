// When backups are taken and what happens when one cannot be: a failing or empty pg_dump,
// an unwritable backup folder, --no-backup, nothing to apply, retention, and one backup
// per database when several services share it.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/integration_support.hpp"
#include "migrate/backup/backup_store.hpp"
#include "migrate/config/database_identity.hpp"

namespace migrate::itest {

namespace {

void add_two_tables(const Project& project, const std::string& service = "app") {
  project.add(service, 1, "first", "CREATE TABLE " + service + "_first (id integer PRIMARY KEY);\n"
                                  "INSERT INTO " + service + "_first VALUES (1);\n",
              "DROP TABLE " + service + "_first;\n");
  project.add(service, 2, "second", "CREATE TABLE " + service + "_second (id integer);\n",
              "DROP TABLE " + service + "_second;\n");
}

// Writes an executable `pg_dump` into dir/bin that answers --version with `version`,
// records its arguments and whether PGPASSWORD was set in dir/, then runs `action`.
fs::path fake_pg_dump(const test::TempDir& dir, const std::string& version, const std::string& action) {
  const std::string log = dir.path().string();
  const fs::path script = dir.write("bin/pg_dump", "#!/bin/sh\n"
                                                   "if [ \"$1\" = \"--version\" ]; then echo \"pg_dump (PostgreSQL) " +
                                                       version +
                                                       "\"; exit 0; fi\n"
                                                       "printf '%s\\n' \"$@\" > '" +
                                                       log +
                                                       "/argv'\n"
                                                       "if [ -n \"$PGPASSWORD\" ]; then echo set > '" +
                                                       log +
                                                       "/pgpassword'; fi\n"
                                                       "target=\n"
                                                       "for a in \"$@\"; do case \"$a\" in --file=*) "
                                                       "target=\"${a#--file=}\";; esac; done\n" +
                                                       action + "\n");
  fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  return script.parent_path();
}

void wait_for_next_second() {
  const auto now = std::chrono::system_clock::now();
  const auto next = std::chrono::time_point_cast<std::chrono::seconds>(now) + std::chrono::seconds(1);
  std::this_thread::sleep_until(next + std::chrono::milliseconds(20));
}

std::string path_with(const fs::path& first) {
  const char* path = std::getenv("PATH");
  return first.string() + ":" + (path ? path : "/usr/bin:/bin");
}

}  // namespace

TEST_CASE("a failing pg_dump stops up with exit 1 before any change and leaves no file",
          "[integration][backup][postgres]") {
  const auto db = test::make_test_database(Dialect::postgres);
  const Project project(service_toml("app", "APP_DATABASE_URL"));
  add_two_tables(project);
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();
  ITEST_REQUIRE_EXIT(project.run({"up", "app", "--to", "1", "--yes", "--no-backup"}, options), 0);
  const Snapshot before = snapshot(*db);
  const auto history = db->history("app");
  REQUIRE(history == std::vector<std::string>{"1:first"});

  const test::TempDir fake;
  std::string expected_error;
  SECTION("pg_dump exits 1 after writing part of the dump") {
    options.env["PATH"] = path_with(fake_pg_dump(
        fake, "15.18",
        "printf -- '-- partial dump\\nCREATE TABLE' > \"$target\"\n"
        "echo 'pg_dump: error: query failed: could not write: No space left on device' >&2\nexit 1"));
    expected_error = "No space left on device";
  }
  SECTION("pg_dump exits 0 but writes nothing") {
    options.env["PATH"] = path_with(fake_pg_dump(fake, "15.18", "exit 0"));
    expected_error = "empty";
  }
  SECTION("pg_dump is killed by a signal") {
    options.env["PATH"] = path_with(fake_pg_dump(fake, "15.18", "echo partial > \"$target\"\nkill -9 $$"));
    expected_error = "pg_dump";
  }
  SECTION("pg_dump is older than the server") {
    options.env["PATH"] = path_with(fake_pg_dump(fake, "14.9", "exit 0"));
    expected_error = "older than the server";
  }

  const test::CliResult result = project.run({"up", "--yes"}, options);
  ITEST_CHECK_EXIT(result, 1);
  CHECK_THAT(result.err, Catch::Contains(expected_error));
  CHECK_THAT(result.out + result.err, !Catch::Contains("applied     app 0002"));
  check_same(snapshot(*db), before);
  CHECK(db->history("app") == history);
  INFO("nothing, not even a temporary file, is left in the backup folder");
  CHECK(project.backup_entries().empty());

  const auto events = last_run(project);
  CHECK(event_names(events) == std::vector<std::string>{"start", "confirm", "backup", "fail", "done"});
  if (events.size() == 5) {
    CHECK(events[2]["service"] == "app");
    CHECK(events[2]["ok"] == false);
    CHECK_THAT(events[2]["error"].get<std::string>(), Catch::Contains(expected_error));
    CHECK(events[4]["ok"] == false);
  }
  const std::string password = url_password(db->url());
  if (!password.empty()) {
    CHECK_THAT(result.out + result.err, !Catch::Contains(password));
    CHECK_THAT(test::slurp(project.audit_log()), !Catch::Contains(password));
  }

  // When the fake got as far as dumping: the password came through the environment only.
  if (fs::exists(fake.path() / "argv")) {
    const std::string argv = test::slurp(fake.path() / "argv");
    // The connection comes through PGSERVICEFILE/PGSERVICE, never on the command line.
    CHECK_THAT(argv, !Catch::Contains("--dbname"));
    if (!password.empty()) {
      CHECK_THAT(argv, !Catch::Contains(password));
      CHECK(fs::exists(fake.path() / "pgpassword"));
    }
  }

  // The same run goes through with the real pg_dump.
  options.env.erase("PATH");
  ITEST_CHECK_EXIT(project.run({"up", "--yes"}, options), 0);
  CHECK(db->history("app") == std::vector<std::string>{"1:first", "2:second"});
  CHECK(backup_names(project.backup_entries(), "app", ".sql").size() == 1);
}

TEST_CASE("an unwritable backup folder stops up with exit 1 before any change",
          "[integration][backup]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  test::TempDir other;
  const fs::path blocker = other.write("blocker", "not a folder\n");

  Project project(service_toml("app", "APP_DATABASE_URL"));
  add_two_tables(project);
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();
  ITEST_REQUIRE_EXIT(project.run({"up", "app", "--to", "1", "--yes", "--no-backup"}, options), 0);
  const Snapshot before = snapshot(*db);

  std::string backup_dir;
  SECTION("backup_dir is a regular file") { backup_dir = blocker.string(); }
  SECTION("backup_dir is below a regular file") { backup_dir = (blocker / "backups").string(); }
  project.set_manifest("[defaults]\nbackup_dir = \"" + backup_dir +
                       "\"\naudit_log = \"migration-audit.log\"\nkeep_backups = 3\n\n" +
                       service_toml("app", "APP_DATABASE_URL"));

  const test::CliResult result = project.run({"up", "--yes"}, options);
  ITEST_CHECK_EXIT(result, 1);
  CHECK_THAT(result.err, Catch::Contains("backup"));
  check_same(snapshot(*db), before);
  CHECK(db->history("app") == std::vector<std::string>{"1:first"});
  CHECK(test::slurp(blocker) == "not a folder\n");
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(other.path())) left.push_back(entry.path().filename().string());
  CHECK(left == std::vector<std::string>{"blocker"});
  const auto events = last_run(project);
  CHECK(event_names(events) == std::vector<std::string>{"start", "confirm", "backup", "fail", "done"});
}

TEST_CASE("up --no-backup proceeds without a backup and says so in the audit log", "[integration][backup]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  const Project project(service_toml("app", "APP_DATABASE_URL"));
  add_two_tables(project);
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();

  SECTION("up") {
    ITEST_REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup"}, options), 0);
    CHECK(db->history("app") == std::vector<std::string>{"1:first", "2:second"});
  }
  SECTION("down") {
    ITEST_REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup"}, options), 0);
    ITEST_REQUIRE_EXIT(project.run({"down", "app", "--yes", "--no-backup"}, options), 0);
    CHECK(db->history("app") == std::vector<std::string>{"1:first"});
  }
  CHECK(project.backup_entries().empty());
  const auto events = last_run(project);
  const auto backup = std::find_if(events.begin(), events.end(),
                                   [](const nlohmann::json& event) { return event["event"] == "backup"; });
  REQUIRE(backup != events.end());
  CHECK((*backup)["service"] == "app");
  CHECK((*backup)["ok"] == true);
  CHECK((*backup)["detail"] == "skipped: --no-backup");
  CHECK((*backup)["error"].is_null());
  INFO("the skip is recorded before the first change");
  CHECK(event_names(events)[2] == "backup");
}

TEST_CASE("nothing to apply or roll back takes no backup", "[integration][backup]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  const Project project(service_toml("app", "APP_DATABASE_URL"));
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();

  SECTION("no revisions at all") {
    fs::create_directories(project.dir() / "services/app/migrations");
    ITEST_CHECK_EXIT(project.run({"up", "--yes"}, options), 0);
    CHECK(project.backup_entries().empty());
    CHECK(event_names(last_run(project)) == std::vector<std::string>{"start", "done"});
  }
  SECTION("everything applied already") {
    add_two_tables(project);
    ITEST_REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup"}, options), 0);
    const auto entries = project.backup_entries();
    ITEST_CHECK_EXIT(project.run({"up", "--yes"}, options), 0);
    ITEST_CHECK_EXIT(project.run({"up", "app", "--yes"}, options), 0);
    CHECK(project.backup_entries() == entries);
    CHECK(event_names(last_run(project)) == std::vector<std::string>{"start", "done"});
  }
}

TEST_CASE("retention keeps exactly keep_backups files, the newest", "[integration][backup]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << to_string(dialect));
  const std::string extension = dialect == Dialect::postgres ? ".sql" : ".sqlite3";
  const auto db = test::make_test_database(dialect);
  const Project project(service_toml("app", "APP_DATABASE_URL") + service_toml("other", "OTHER_DATABASE_URL"),
                        3);
  for (int version = 1; version <= 5; ++version) {
    project.add("app", version, "t" + std::to_string(version),
                "CREATE TABLE t" + std::to_string(version) + " (id integer);\n",
                "DROP TABLE t" + std::to_string(version) + ";\n");
  }
  fs::create_directories(project.dir() / "services/other/migrations");
  // Files of other services and stray files in the folder are never pruned.
  const std::vector<std::string> foreign{"apps_20200101T000000Z.sql", "other_20200101T000000Z.sql",
                                         "app_notes.txt"};
  fs::create_directories(project.backup_dir());
  for (const std::string& name : foreign) {
    std::ofstream out(project.backup_dir() / name);
    out << "keep me";
  }

  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();
  const test::TempDir other_db_dir;
  options.env["OTHER_DATABASE_URL"] = "sqlite://" + (other_db_dir.path() / "other.db").string();

  std::vector<std::string> taken;  // in the order the runs took them
  for (int run = 1; run <= 5; ++run) {
    // One run per second: backups taken within one second are the subject of the next test.
    wait_for_next_second();
    const auto before = project.backup_entries();
    ITEST_REQUIRE_EXIT(project.run({"up", "app", "--step", "1", "--yes"}, options), 0);
    const auto after = project.backup_entries();
    std::vector<std::string> added;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(added));
    INFO("run " << run);
    REQUIRE(added.size() == 1);
    taken.push_back(added.front());
    CHECK(backup_names(after, "app", extension).size() == static_cast<std::size_t>(std::min(run, 3)));
  }
  CHECK(db->history("app").size() == 5);

  auto kept = backup_names(project.backup_entries(), "app", extension);
  std::sort(kept.begin(), kept.end());
  std::vector<std::string> newest(taken.end() - 3, taken.end());
  std::sort(newest.begin(), newest.end());
  CHECK(kept == newest);
  const auto entries = project.backup_entries();
  for (const std::string& name : foreign) {
    INFO(name);
    CHECK(std::find(entries.begin(), entries.end(), name) != entries.end());
  }
  CHECK(entries.size() == 3 + foreign.size());
}

TEST_CASE("the backup just taken survives retention when older backups of the same second exist",
          "[integration][backup]") {
  // Earlier runs in this second took app_<stamp>.sql, -2 and -3, and retention already
  // removed app_<stamp>.sql. The next backup must sort as the newest, not reuse that name.
  const auto db = test::make_test_database(Dialect::sqlite);
  const Project project(service_toml("app", "APP_DATABASE_URL"), 2);
  add_two_tables(project);
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();
  ITEST_REQUIRE_EXIT(project.run({"up", "app", "--to", "1", "--yes", "--no-backup"}, options), 0);

  fs::create_directories(project.backup_dir());
  const auto now = std::chrono::system_clock::now();
  std::set<std::string> earlier;
  for (int offset = 0; offset <= 5; ++offset) {
    const std::string stamp = backup::backup_timestamp(now + std::chrono::seconds(offset));
    for (const std::string suffix : {"-2", "-3"}) {
      const std::string name = "app_" + stamp + suffix + ".sqlite3";
      std::ofstream(project.backup_dir() / name) << "an earlier backup";
      // Of this very database, as its sidecar says: retention only ever prunes those.
      backup::BackupInfo info;
      info.database = config::database_identity(config::parse_database_url(db->url(), project.dir(), "test"));
      backup::write_info(project.backup_dir() / name, info);
      earlier.insert(name);
    }
  }
  ITEST_REQUIRE_EXIT(project.run({"up", "--yes"}, options), 0);
  const auto events = last_run(project);
  const auto backup = std::find_if(events.begin(), events.end(),
                                   [](const nlohmann::json& event) { return event["event"] == "backup"; });
  REQUIRE(backup != events.end());
  const fs::path taken = (*backup)["detail"].get<std::string>();
  INFO("backup taken by the run: " << taken.filename().string());
  CHECK(earlier.count(taken.filename().string()) == 0);
  CHECK(fs::exists(taken));
  const auto kept = backup_names(project.backup_entries(), "app", ".sqlite3");
  CHECK(kept.size() == 2);
}

TEST_CASE("services sharing one database get one backup per run", "[integration][backup]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  const Project project(service_toml("core") + service_toml("web-api", "", {"core"}) +
                        service_toml("jobs-worker", "", {"core"}));
  for (const std::string service : {"core", "web-api", "jobs-worker"}) {
    const std::string table = service == "core" ? "d" : service == "web-api" ? "s" : "b";
    project.add(service, 1, "one", "CREATE TABLE " + table + "1 (id integer);\n", "DROP TABLE " + table + "1;\n");
    project.add(service, 2, "two", "CREATE TABLE " + table + "2 (id integer);\n", "DROP TABLE " + table + "2;\n");
  }
  test::CliOptions options;
  options.env["DATABASE_URL"] = db->url();

  ITEST_REQUIRE_EXIT(project.run({"up", "--yes", "--to", "1", "core"}, options), 0);
  CHECK(project.backup_entries().size() == 1);
  ITEST_REQUIRE_EXIT(project.run({"up", "--yes"}, options), 0);
  CHECK(db->history("web-api").size() == 2);
  CHECK(db->history("jobs-worker").size() == 2);
  const auto entries = project.backup_entries();
  INFO("one backup per run: two runs, two files");
  CHECK(entries.size() == 2);
  const auto events = last_run(project);
  CHECK(std::count_if(events.begin(), events.end(),
                      [](const nlohmann::json& event) { return event["event"] == "backup"; }) == 1);
  // Named after the first service that changes the database in that run.
  const std::string extension = dialect == Dialect::postgres ? ".sql" : ".sqlite3";
  CHECK(backup_names(entries, "core", extension).size() == 2);
}

TEST_CASE("services on different databases get one backup each", "[integration][backup]") {
  const auto first = test::make_test_database(Dialect::sqlite);
  const auto second = test::make_test_database(Dialect::postgres);
  const Project project(service_toml("core", "CORE_DATABASE_URL") +
                        service_toml("web-api", "WEB_API_DATABASE_URL", {"core"}));
  project.add("core", 1, "one", "CREATE TABLE d1 (id integer);\n", "DROP TABLE d1;\n");
  project.add("web-api", 1, "one", "CREATE TABLE s1 (id integer);\n", "DROP TABLE s1;\n");
  test::CliOptions options;
  options.env["CORE_DATABASE_URL"] = first->url();
  options.env["WEB_API_DATABASE_URL"] = second->url();
  ITEST_REQUIRE_EXIT(project.run({"up", "--yes"}, options), 0);
  const auto entries = project.backup_entries();
  CHECK(backup_names(entries, "core", ".sqlite3").size() == 1);
  CHECK(backup_names(entries, "web-api", ".sql").size() == 1);
  CHECK(entries.size() == 2);
}

TEST_CASE("migrate backup takes backups now and migrate backups lists them newest first",
          "[integration][backup]") {
  const auto db = test::make_test_database(Dialect::postgres);
  const Project project(service_toml("app", "APP_DATABASE_URL"));
  add_two_tables(project);
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();
  ITEST_REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup"}, options), 0);

  const test::CliResult first = project.run({"backup", "app", "--json"}, options);
  ITEST_REQUIRE_EXIT(first, 0);
  wait_for_next_second();  // two formats within one second: see backup_store_test
  const test::CliResult second = project.run({"backup", "--backup-format", "custom", "--json"}, options);
  ITEST_REQUIRE_EXIT(second, 0);
  const auto first_file = nlohmann::json::parse(first.out)["backups"]["app"].get<std::string>();
  const auto second_file = nlohmann::json::parse(second.out)["backups"]["app"].get<std::string>();
  CHECK(fs::path(first_file).extension() == ".sql");
  CHECK(fs::path(second_file).extension() == ".dump");

  const test::CliResult list = project.run({"backups", "--json"}, options);
  ITEST_REQUIRE_EXIT(list, 0);
  const auto listed = nlohmann::json::parse(list.out)["backups"]["app"];
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["file"] == second_file);
  CHECK(listed[1]["file"] == first_file);
  CHECK(listed[1]["bytes"] == fs::file_size(first_file));
  CHECK(event_names(last_run(project)) == std::vector<std::string>{"start", "backup", "done"});
}

}  // namespace migrate::itest
