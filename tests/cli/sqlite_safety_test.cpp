// SQLite safety through the built binary on real files: a table rebuild keeps the rows that
// reference the table, a lock holder of this host is judged by its process, and a file
// write-locked by an application is waited for up to --lock-wait and then named.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "cli/cli_fixtures.hpp"
#include "support/child_process.hpp"
#include "migrate/util/system.hpp"

using migrate::Dialect;
using migrate::test::capture;
using migrate::test::CliProject;
using migrate::test::contains;
using migrate::test::make_test_database;
using migrate::test::parse_json;
using migrate::test::sqlite_file;
using namespace std::chrono_literals;

namespace {

// The pid of a process that has exited and been reaped.
pid_t gone_pid() {
  migrate::test::ChildProcess child([] { return 0; }, {});
  child.wait();  // reaped
  return child.pid();
}

void plant_lock_row(migrate::test::TestDatabase& db, const std::string& holder, const std::string& heartbeat_at) {
  db.exec("DELETE FROM migration_lock");
  db.exec("INSERT INTO migration_lock (lock_id, holder, heartbeat_at) VALUES (1, '" + holder + "', " +
          heartbeat_at + ")");
}

// An application's connection holding the file's write lock until released.
class ForeignWriter {
 public:
  explicit ForeignWriter(const std::string& path) {
    std::promise<void> holding;
    std::future<void> held = holding.get_future();
    m_thread = std::thread([this, path, &holding] {
      SQLite::Database db(path, SQLite::OPEN_READWRITE);
      db.exec("BEGIN IMMEDIATE");
      holding.set_value();
      while (!m_release.load()) std::this_thread::sleep_for(10ms);
      db.exec("ROLLBACK");
    });
    held.wait();
  }
  ~ForeignWriter() { release(); }
  ForeignWriter(const ForeignWriter&) = delete;
  ForeignWriter& operator=(const ForeignWriter&) = delete;
  void release() {
    m_release = true;
    if (m_thread.joinable()) m_thread.join();
  }

 private:
  std::atomic<bool> m_release{false};
  std::thread m_thread;
};

}  // namespace

TEST_CASE("a SQLite table rebuild keeps the rows of tables that reference it (ON DELETE CASCADE)",
          "[cli][sqlite]") {
  auto db = make_test_database(Dialect::sqlite);
  CliProject project;
  project.write("0001_users_posts.up.sql",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n"
                "CREATE TABLE posts (id INTEGER PRIMARY KEY,\n"
                "                    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE);\n"
                "INSERT INTO users VALUES (1, 'ann'), (2, 'bob');\n"
                "INSERT INTO posts VALUES (1, 1), (2, 1), (3, 2);\n");
  project.write("0002_rebuild_users.up.sql",
                "CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');\n"
                "INSERT INTO users_new (id, name) SELECT id, coalesce(name, '') FROM users;\n"
                "DROP TABLE users;\n"
                "ALTER TABLE users_new RENAME TO users;\n");

  CHECK_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);
  CHECK(db->scalar("SELECT count(*) FROM posts") == "3");
  CHECK(db->scalar("SELECT count(*) FROM pragma_foreign_key_check") == "0");
  CHECK(db->history("app").size() == 2);
}

TEST_CASE("a SQLite revision that orphans rows fails with exit 1 naming them, and changes nothing",
          "[cli][sqlite]") {
  auto db = make_test_database(Dialect::sqlite);
  CliProject project;
  project.write("0001_users_posts.up.sql",
                "CREATE TABLE users (id INTEGER PRIMARY KEY);\n"
                "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));\n"
                "INSERT INTO users VALUES (1);\nINSERT INTO posts VALUES (7, 1);\n");
  REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);
  project.write("0002_drop_users.up.sql", "DROP TABLE users;\n");
  const auto state = capture(*db);

  const auto failed = project.run({"up", "--yes", "--no-backup"}, db.get());
  CHECK_EXIT(failed, 1);
  CHECK(contains(failed.err, "posts row rowid 7 references a missing row of users"));
  CHECK(capture(*db) == state);
}

TEST_CASE("a SQLite lock left by a runner of this host whose process is gone is taken over at once",
          "[cli][sqlite][lock]") {
  auto db = make_test_database(Dialect::sqlite);
  CliProject project;
  project.add_table(1, "notes");
  REQUIRE_EXIT(project.run({"stamp", "app", "base", "--yes"}, db.get()), 0);
  const std::string dead = migrate::util::user_at_host() + ":" + std::to_string(gone_pid());
  plant_lock_row(*db, dead, "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");

  const auto status = project.run({"lock", "status", "--json"}, db.get());
  CHECK(parse_json(status)["app"]["session_alive"] == false);

  const auto start = std::chrono::steady_clock::now();
  const auto up = project.run({"up", "--yes", "--no-backup", "--lock-wait", "60s"}, db.get());
  CHECK_EXIT(up, 0);
  CHECK(contains(up.err, "took over the migration lock of " + dead));
  CHECK(std::chrono::steady_clock::now() - start < 30s);  // not after the 60 s wait
  CHECK(db->history("app").size() == 1);
}

TEST_CASE("a live SQLite lock holder of this host is not taken over when its heartbeat is stale",
          "[cli][sqlite][lock]") {
  auto db = make_test_database(Dialect::sqlite);
  CliProject project("[defaults]\nlock_stale_after = \"1s\"\n" + migrate::test::single_service_manifest());
  project.add_table(1, "notes");
  REQUIRE_EXIT(project.run({"stamp", "app", "base", "--yes"}, db.get()), 0);
  // This test process stands for a runner inside one long statement.
  const std::string live = migrate::util::user_at_host() + ":" + std::to_string(::getpid());
  plant_lock_row(*db, live, "'2000-01-01T00:00:00.000Z'");
  const auto state = capture(*db);

  const auto status = project.run({"lock", "status", "--json"}, db.get());
  CHECK(parse_json(status)["app"]["session_alive"] == true);
  const auto up = project.run({"up", "--yes", "--no-backup", "--lock-wait", "1s"}, db.get());
  CHECK_EXIT(up, 3);
  CHECK(contains(up.err, "held by " + live));
  CHECK(capture(*db) == state);
}

TEST_CASE("a SQLite file write-locked by an application: up waits up to --lock-wait, then exits 3 naming it",
          "[cli][sqlite][lock]") {
  auto db = make_test_database(Dialect::sqlite);
  CliProject project;
  project.add_table(1, "notes");
  REQUIRE_EXIT(project.run({"stamp", "app", "base", "--yes"}, db.get()), 0);
  const auto state = capture(*db);

  SECTION("held past the wait") {
    ForeignWriter writer(sqlite_file(*db).string());
    const auto up = project.run({"up", "--yes", "--no-backup", "--lock-wait", "1s"}, db.get());
    writer.release();
    CHECK_EXIT(up, 3);
    CHECK(contains(up.err, "write-locked by another connection (an application?), not by a migrate runner"));
    CHECK(capture(*db) == state);
    CHECK(contains(project.run({"lock", "status"}, db.get()).out, "free"));
  }
  SECTION("released within the wait") {
    ForeignWriter writer(sqlite_file(*db).string());
    std::thread releaser([&writer] {
      std::this_thread::sleep_for(2s);
      writer.release();
    });
    const auto up = project.run({"up", "--yes", "--no-backup", "--lock-wait", "60s"}, db.get());
    releaser.join();
    CHECK_EXIT(up, 0);
    CHECK(db->history("app").size() == 1);
  }
}
