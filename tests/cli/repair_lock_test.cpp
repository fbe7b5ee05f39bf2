// `migrate repair`, `migrate lock status|release --force` and no-transaction revisions,
// through the built binary against real databases.
#include <catch2/catch.hpp>

#include <fstream>
#include <pqxx/pqxx>

#include "cli/cli_fixtures.hpp"
#include "migrate/util/sha256.hpp"

using migrate::Dialect;
using migrate::test::capture;
using migrate::test::CliProject;
using migrate::test::contains;
using migrate::test::lock_rows;
using migrate::test::make_test_database;
using migrate::test::parse_json;

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Makes migration_lock hold a row for `holder` as a runner would, from the test's side.
void plant_lock_row(migrate::test::TestDatabase& db, const std::string& holder) {
  const std::string now = db.dialect() == Dialect::postgres ? "now() AT TIME ZONE 'utc'"
                                                            : "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
  db.exec("DELETE FROM migration_lock");
  db.exec("INSERT INTO migration_lock (lock_id, holder, acquired_at, heartbeat_at) VALUES (1, '" + holder + "', " +
          now + ", " + now + ")");
}

}  // namespace

TEST_CASE("a failed no-transaction revision exits 1, then up exits 4 until repair", "[cli][no-transaction]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "notes");
  project.write("0002_fill.up.sql", "-- migrate:no-transaction\nINSERT INTO notes (id) VALUES (1);\nSELECT broken;\n");
  project.write("0002_fill.down.sql", "DELETE FROM notes;\n");

  const auto failed = project.run({"up", "--yes", "--no-backup"}, db.get());
  CHECK_EXIT(failed, 1);
  CHECK(contains(failed.err, "statement 2 (line 3)"));
  CHECK(contains(failed.err, "left dirty"));

  const auto status = project.run({"status", "--json"}, db.get());
  CHECK(parse_json(status)["services"]["app"]["dirty"] == true);
  const auto state = capture(*db);
  const auto blocked = project.run({"up", "--yes", "--no-backup"}, db.get());
  CHECK_EXIT(blocked, 4);
  CHECK(contains(blocked.err, "dirty at revision 0002_fill"));
  CHECK_EXIT(project.run({"down", "app", "--yes", "--no-backup"}, db.get()), 4);
  CHECK(capture(*db) == state);

  // Fixed by hand: the file now says what was done, and repair records that.
  project.write("0002_fill.up.sql", "-- migrate:no-transaction\nINSERT INTO notes (id) VALUES (1);\n");
  const auto repaired = project.run({"repair", "app"}, db.get());
  CHECK_EXIT(repaired, 0);
  CHECK(contains(repaired.out, "app 0002: dirty flag cleared, checksum re-recorded"));
  CHECK_EXIT(project.run({"verify"}, db.get()), 0);
  const auto again = project.run({"up", "--yes", "--no-backup"}, db.get());
  CHECK_EXIT(again, 0);
  const auto audit = read_file(project.dir() / "migration-audit.log");
  CHECK(contains(audit, "\"event\":\"repair\""));
  CHECK(contains(project.run({"repair", "app"}, db.get()).out, "nothing to repair"));
}

TEST_CASE("lock status shows the holder and its age, lock release needs --force and a yes", "[cli][lock]") {
  const auto dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "notes");
  REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);

  CHECK(project.run({"lock", "status"}, db.get()).out == "app: free\n");
  CHECK(parse_json(project.run({"lock", "--json"}, db.get()))["app"]["held"] == false);

  plant_lock_row(*db, "ops@deploy-7:4242");
  const auto held = project.run({"lock", "status"}, db.get());
  CHECK_EXIT(held, 0);
  CHECK(contains(held.out, "app: held by ops@deploy-7:4242 since "));
  if (dialect == Dialect::postgres) CHECK(contains(held.out, "its session is gone"));
  const auto json = parse_json(project.run({"lock", "status", "--json"}, db.get()));
  CHECK(json["app"]["holder"] == "ops@deploy-7:4242");
  CHECK(json["app"]["heartbeat_age_seconds"].get<double>() >= 0);

  const auto no_force = project.run({"lock", "release"}, db.get());
  CHECK_EXIT(no_force, 2);
  CHECK(contains(no_force.err, "pass --force"));
  const auto no_terminal = project.run({"lock", "release", "--force"}, db.get());
  CHECK_EXIT(no_terminal, 2);
  CHECK(lock_rows(*db) == 1);

  const auto released = project.run({"lock", "release", "--force", "--yes"}, db.get());
  CHECK_EXIT(released, 0);
  CHECK(contains(released.out, "broke the lock"));
  CHECK(lock_rows(*db) == 0);
  const auto audit = read_file(project.dir() / "migration-audit.log");
  CHECK(contains(audit, "\"event\":\"lock_broken\""));
  CHECK(contains(audit, "ops@deploy-7:4242"));
  CHECK(contains(project.run({"lock", "release", "--force", "--yes"}, db.get()).out, "no lock is held"));
}

TEST_CASE("on PostgreSQL, lock release --force ends a live holder's session", "[cli][lock][postgres]") {
  auto db = make_test_database(Dialect::postgres);
  CliProject project;
  project.add_table(1, "notes");
  REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup"}, db.get()), 0);

  // A live runner: the row plus the session advisory lock, on a connection that stays open.
  pqxx::connection holder(db->url());
  pqxx::nontransaction(holder).exec("SELECT pg_advisory_lock(" + std::to_string(0x6d696772617465LL) + ")");
  plant_lock_row(*db, "ops@deploy-7:4242");
  CHECK(contains(project.run({"lock", "status"}, db.get()).out, "its session is alive"));
  project.add_table(2, "tags");
  const auto blocked = project.run({"up", "--yes", "--no-backup", "--lock-wait", "1s"}, db.get());
  CHECK_EXIT(blocked, 3);
  CHECK(contains(blocked.err, "held by ops@deploy-7:4242"));

  const auto released = project.run({"lock", "release", "--force", "--yes"}, db.get());
  CHECK_EXIT(released, 0);
  CHECK(lock_rows(*db) == 0);
  CHECK_THROWS(pqxx::nontransaction(holder).exec("SELECT 1"));
  CHECK_EXIT(project.run({"up", "--yes", "--no-backup", "--lock-wait", "5s"}, db.get()), 0);
}

TEST_CASE("a dirty row while another runner holds the lock is its work in progress: up waits, not exit 4",
          "[cli][lock][postgres][no-transaction]") {
  auto db = make_test_database(Dialect::postgres);
  CliProject project;
  project.add_table(1, "notes");
  const std::string fill = "-- migrate:no-transaction\nINSERT INTO notes (id) VALUES (1);\n";
  project.write("0002_fill.up.sql", fill);
  REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup", "--to", "1", "app"}, db.get()), 0);

  // A live runner in the middle of 0002: its session lock, its lock row, its dirty row.
  pqxx::connection runner(db->url());
  pqxx::nontransaction(runner).exec("SELECT pg_advisory_lock(" + std::to_string(0x6d696772617465LL) + ")");
  plant_lock_row(*db, "ops@deploy-7:4242");
  db->exec("INSERT INTO schema_migrations (service, version, name, kind, checksum, applied_by, dirty) "
           "SELECT service, 2, 'fill', 'sql', '" + migrate::util::sha256_hex(fill) +
           "', applied_by, TRUE FROM schema_migrations WHERE version = 1");
  project.add_table(3, "tags");
  const auto waited = project.run({"up", "--yes", "--no-backup", "--lock-wait", "1s"}, db.get());
  CHECK_EXIT(waited, 3);
  CHECK(contains(waited.err, "held by ops@deploy-7:4242"));

  // The runner is gone and left the row dirty: now it blocks, naming the revision.
  runner.disconnect();
  const auto blocked = project.run({"up", "--yes", "--no-backup", "--lock-wait", "5s"}, db.get());
  CHECK_EXIT(blocked, 4);
  CHECK(contains(blocked.err, "dirty at revision 0002_fill"));
}

TEST_CASE("a dirty newest revision under a lock row its dead holder left is refused, not taken as up to date",
          "[cli][lock][no-transaction]") {
  // The preview reads without the lock and lets the dirty row pass while the row is there;
  // with nothing else pending, up must still take the lock and look again.
  auto db = make_test_database(Dialect::sqlite);
  CliProject project;
  project.add_table(1, "notes");
  const std::string fill = "-- migrate:no-transaction\nINSERT INTO notes (id) VALUES (1);\n";
  project.write("0002_fill.up.sql", fill);
  REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup", "--to", "1", "app"}, db.get()), 0);

  db->exec("DELETE FROM migration_lock");
  db->exec("INSERT INTO migration_lock (lock_id, holder, acquired_at, heartbeat_at) VALUES "
           "(1, 'ops@deploy-7:4242', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')");
  db->exec("INSERT INTO schema_migrations (service, version, name, kind, checksum, applied_by, dirty) "
           "SELECT service, 2, 'fill', 'sql', '" + migrate::util::sha256_hex(fill) +
           "', applied_by, 1 FROM schema_migrations WHERE version = 1");
  const auto blocked = project.run({"up", "--yes", "--no-backup"}, db.get());
  CHECK_EXIT(blocked, 4);
  CHECK(contains(blocked.err, "dirty at revision 0002_fill"));
}
