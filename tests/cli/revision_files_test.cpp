// Revision files that must be refused at load time, or handled, end to end on both dialects:
// NUL bytes, transaction control, skeletons and empty revisions, near-miss names, version 0
// and names as other tools write them, byte order marks.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cli/cli_fixtures.hpp"

using migrate::Dialect;
using namespace migrate::test;
using namespace std::string_literals;
using Tables = std::vector<std::string>;
using History = std::vector<std::string>;

namespace {

// Runs `up` and checks it is refused with exit 2 naming every needle, with the database,
// its history and the folder's other revisions untouched.
void check_up_refused(const CliProject& project, TestDatabase& db, const std::vector<std::string>& needles) {
  const DatabaseState before = capture(db);
  const CliResult up = project.run({"up", "--yes"}, &db);
  CHECK_EXIT(up, 2);
  for (const std::string& needle : needles) {
    INFO("missing: " << needle);
    CHECK(contains(up.err, needle));
  }
  CHECK(capture(db) == before);
}

}  // namespace

TEST_CASE("a NUL byte in a revision is refused at load time with its line and column", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  project.write("0002_a.up.sql", "CREATE TABLE t1 (x int);\0CREATE TABLE t2(x int);\n"s);

  check_up_refused(project, *db, {"0002_a.up.sql:1:25:", "NUL byte"});
  CHECK(db->user_tables() == Tables{"alpha"});
  CHECK(db->history("app") == History{"1:create_alpha"});
}

TEST_CASE("top-level transaction control in a transactional revision is refused at load time", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  std::vector<std::string> needles;
  SECTION("BEGIN … COMMIT followed by a failure") {
    project.write("0001_c.up.sql", "BEGIN; CREATE TABLE c (x int); COMMIT; SELECT 1/0;\n");
    needles = {"0001_c.up.sql:1:", "BEGIN"};
  }
  SECTION("a COMMIT between two statements") {
    project.write("0001_ab.up.sql", "CREATE TABLE a (x int);\nCOMMIT;\nCREATE TABLE b (x int);\n");
    needles = {"0001_ab.up.sql:2:", "COMMIT"};
  }
  SECTION("an END in a down file") {
    project.add_table(1, "alpha");
    project.write("0001_create_alpha.down.sql", "DROP TABLE alpha;\nEND;\n");
    needles = {"0001_create_alpha.down.sql:2:", "END"};
  }
  needles.push_back("-- migrate:no-transaction");
  check_up_refused(project, *db, needles);
  CHECK(db->user_tables().empty());
  CHECK(db->history("app").empty());
}

TEST_CASE("trigger and function bodies, CASE and savepoints are not transaction control", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.write("0001_counts.up.sqlite.sql",
                "CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER);\n"
                "CREATE TABLE counts (\"end\" INTEGER);\n"
                "INSERT INTO counts VALUES (0);\n"
                "CREATE TRIGGER items_count AFTER INSERT ON items\nBEGIN\n"
                "  UPDATE counts SET \"end\" = \"end\" + CASE WHEN new.n > 0 THEN 1 ELSE 0 END;\n"
                "END;\n"
                "SAVEPOINT s;\nINSERT INTO items (n) VALUES (1);\nRELEASE s;\n");
  project.write("0001_counts.up.postgres.sql",
                "CREATE TABLE items (id SERIAL PRIMARY KEY, n INTEGER);\n"
                "CREATE TABLE counts (\"end\" INTEGER);\n"
                "INSERT INTO counts VALUES (0);\n"
                "CREATE FUNCTION items_count() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
                "  UPDATE counts SET \"end\" = \"end\" + CASE WHEN NEW.n > 0 THEN 1 ELSE 0 END;\n"
                "  RETURN NEW;\nEND\n$$;\n"
                "CREATE TRIGGER items_count AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION items_count();\n"
                "DO $$ BEGIN PERFORM 1; END $$;\n"
                "SAVEPOINT s;\nINSERT INTO items (n) VALUES (1);\nRELEASE s;\n");
  const CliResult up = project.run({"up", "--yes"}, db.get());
  CHECK_EXIT(up, 0);
  CHECK(db->scalar("SELECT \"end\" FROM counts") == "1");
  CHECK(db->history("app") == History{"1:counts"});
}

TEST_CASE("the unchanged skeleton of migrate new is refused; writing the change makes it run", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  REQUIRE_EXIT(project.run({"new", "app", "add_beta"}), 0);

  check_up_refused(project, *db, {"0002_add_beta.up.sql", "still the skeleton", "write the change or delete the file"});
  CHECK(db->history("app") == History{"1:create_alpha"});

  project.write("0002_add_beta.up.sql", "CREATE TABLE beta (id INTEGER);\n");
  CHECK_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  CHECK(db->user_tables() == Tables{"alpha", "beta"});
  CHECK(db->history("app") == History{"1:create_alpha", "2:add_beta"});
}

TEST_CASE("an up file with no statements is a recorded no-op with a warning, and rolls back", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  project.write("0002_align_numbering.up.sql", "");
  project.write("0002_align_numbering.down.sql", "");
  project.write("0003_comments_only.up.sql", "-- nothing to do on this dialect\n/* kept for numbering */\n");
  project.write("0003_comments_only.down.sql", "-- nothing to undo\n");
  project.add_table(4, "delta");

  // Applied one at a time (alone) and all together (in one batch).
  const bool batched = GENERATE(false, true);
  INFO("batched: " << batched);
  if (batched) {
    const CliResult up = project.run({"up", "--yes"}, db.get());
    CHECK_EXIT(up, 0);
    CHECK(contains(up.err, "0002_align_numbering"));
    CHECK(contains(up.err, "0003_comments_only"));
  } else {
    for (int i = 0; i < 4; ++i) CHECK_EXIT(project.run({"up", "app", "--step", "1", "--yes"}, db.get()), 0);
  }
  CHECK(db->user_tables() == Tables{"alpha", "delta"});
  CHECK(db->history("app") == History{"1:create_alpha", "2:align_numbering", "3:comments_only", "4:create_delta"});
  CHECK_EXIT(project.run({"verify"}, db.get()), 0);

  // The warning comes with the run that applies it, not with every later command.
  const CliResult status = project.run({"status"}, db.get());
  CHECK_EXIT(status, 0);
  CHECK_FALSE(contains(status.err, "no statements"));

  CHECK_EXIT(project.run({"down", "app", "--step", "2", "--yes"}, db.get()), 0);
  CHECK(db->history("app") == History{"1:create_alpha", "2:align_numbering"});
  CHECK_EXIT(project.run({"down", "app", "--yes"}, db.get()), 0);
  CHECK(db->history("app") == History{"1:create_alpha"});
}

TEST_CASE("near-miss revision file names are refused, other files ignored", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  project.write("README.md", "# app migrations\n");
  project.write("notes.txt", "0002 is next\n");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);

  const std::string file = GENERATE(as<std::string>{}, "0002_x.up.SQL", "0002_x.up.sql.txt", "0002_x.up.pgsql",
                                    "0002-x.up.sql");
  INFO(file);
  project.write(file, "CREATE TABLE x (id INTEGER);\n");
  check_up_refused(project, *db, {file, "unparsable revision file name", "1-18 digits"});
}

TEST_CASE("revision 0 and names with dashes, dots and capitals apply, roll back and stamp", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.write("0000_init.up.sql", "CREATE TABLE zero (id INTEGER);\n");
  project.write("0000_init.down.sql", "DROP TABLE zero;\n");
  project.write("0001_disable-aggressive-cache.up.sql", "CREATE TABLE one (id INTEGER);\n");
  project.write("0001_disable-aggressive-cache.down.sql", "DROP TABLE one;\n");
  project.write("20240501120000_Add.Users.up.sql", "CREATE TABLE users (id INTEGER);\n");
  project.write("20240501120000_Add.Users.down.sql", "DROP TABLE users;\n");
  const History all{"0:init", "1:disable-aggressive-cache", "20240501120000:Add.Users"};

  CliResult run = project.run({"up", "app", "--to", "0000", "--yes"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->history("app") == History{"0:init"});
  CHECK(db->user_tables() == Tables{"zero"});
  run = project.run({"status", "--json"}, db.get());
  CHECK_EXIT(run, 0);
  check_service_status(parse_json(run), "app", "pending", "0000", "20240501120000", 1, 2);

  CHECK_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  CHECK(db->history("app") == all);
  CHECK(db->user_tables() == Tables{"one", "users", "zero"});

  // --to 0 keeps revision 0; --all takes it too.
  CHECK_EXIT(project.run({"down", "app", "--to", "0", "--yes"}, db.get()), 0);
  CHECK(db->history("app") == History{"0:init"});
  CHECK_EXIT(project.run({"down", "app", "--all", "--yes"}, db.get()), 0);
  CHECK(db->history("app").empty());
  CHECK(db->user_tables().empty());

  // stamp 0000 means revision 0 applied.
  CHECK_EXIT(project.run({"stamp", "app", "head"}, db.get()), 0);
  CHECK(db->history("app") == all);
  CHECK_EXIT(project.run({"stamp", "app", "0000"}, db.get()), 0);
  CHECK(db->history("app") == History{"0:init"});
  CHECK(db->user_tables().empty());
  // base means nothing applied, revision 0 included; `down --to base` likewise.
  CHECK_EXIT(project.run({"stamp", "app", "base"}, db.get()), 0);
  CHECK(db->history("app").empty());
  CHECK_EXIT(project.run({"up", "app", "--to", "0000", "--yes", "--no-backup"}, db.get()), 0);
  CHECK(db->history("app") == History{"0:init"});
  CHECK_EXIT(project.run({"down", "app", "--to", "base", "--yes", "--no-backup"}, db.get()), 0);
  CHECK(db->history("app").empty());
}

TEST_CASE("a UTF-8 byte order mark at the start of a revision is not sent to the database", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.write("0001_bom.up.sql", "\xEF\xBB\xBF" "CREATE TABLE bom (id INTEGER);\n");
  project.write("0001_bom.down.sql", "\xEF\xBB\xBF" "DROP TABLE bom;\n");
  CHECK_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  CHECK(db->user_tables() == Tables{"bom"});
  CHECK_EXIT(project.run({"verify"}, db.get()), 0);
  CHECK_EXIT(project.run({"down", "app", "--yes"}, db.get()), 0);
  CHECK(db->user_tables().empty());
}
