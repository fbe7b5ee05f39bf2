// Backups taken by `up` restore, with the real psql / pg_restore, into a fresh database
// that equals the source at backup time; `migrate restore` brings schema and history back.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <string>
#include <vector>

#include "integration/integration_support.hpp"
#include "migrate/backup/backup.hpp"
#include "migrate/backup/backup_store.hpp"

namespace migrate::itest {

namespace {

// Revisions with data, a sequence, PL/pgSQL functions, a trigger, a view and an enum.
void add_rich_postgres_revisions(const Project& project) {
  project.add("app", 1, "customers", R"sql(
CREATE TABLE customers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email text UNIQUE,
  balance numeric(12,2) NOT NULL DEFAULT 0,
  tags text[],
  profile jsonb,
  joined_at timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00'
);
INSERT INTO customers (name, email, balance, tags, profile) VALUES
  ('Ada', 'ada@example.com', 12.50, '{a,b}', '{"k": [1, 2]}'),
  ('O''Brien; DROP TABLE x; --', NULL, -3.00, NULL, NULL),
  (E'Zo\u00eb \u65e5\u672c\ttab', 'z@example.com', 0, '{}', '{"quote": "\""}');
)sql",
              "DROP TABLE customers;\n");
  project.add("app", 2, "invoices", R"sql(
CREATE SEQUENCE invoice_number START 1000 INCREMENT 5;
CREATE TABLE invoices (
  number bigint PRIMARY KEY DEFAULT nextval('invoice_number'),
  customer_id integer NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  amount numeric(12,2) NOT NULL CHECK (amount >= 0),
  note text
);
CREATE INDEX invoices_customer ON invoices (customer_id);
INSERT INTO invoices (customer_id, amount, note) VALUES (1, 10, 'first'), (1, 20.5, E'multi\nline'), (3, 0, NULL);
SELECT nextval('invoice_number');
)sql",
              "DROP TABLE invoices;\nDROP SEQUENCE invoice_number;\n");
  project.add("app", 3, "functions", R"sql(
CREATE TYPE mood AS ENUM ('happy', 'sad');
ALTER TABLE customers ADD COLUMN mood mood;
UPDATE customers SET mood = 'happy' WHERE id = 1;
CREATE FUNCTION customer_total(p_customer integer) RETURNS numeric LANGUAGE plpgsql STABLE AS $$
DECLARE
  total numeric;
BEGIN
  SELECT coalesce(sum(amount), 0) INTO total FROM invoices WHERE customer_id = p_customer;
  RETURN total;
END;
$$;
CREATE FUNCTION default_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.note := coalesce(NEW.note, 'none');
  RETURN NEW;
END;
$$;
CREATE TRIGGER invoices_default_note BEFORE INSERT ON invoices FOR EACH ROW EXECUTE FUNCTION default_note();
CREATE VIEW customer_totals AS SELECT id, name, customer_total(id) AS total FROM customers;
INSERT INTO invoices (customer_id, amount) VALUES (2, 7);
)sql",
              "DROP VIEW customer_totals;\nDROP TRIGGER invoices_default_note ON invoices;\n"
              "DROP FUNCTION default_note();\nDROP FUNCTION customer_total(integer);\n"
              "ALTER TABLE customers DROP COLUMN mood;\nDROP TYPE mood;\n");
  project.add("app", 4, "later", "CREATE TABLE later_things (id integer PRIMARY KEY);\n"
                                 "INSERT INTO later_things VALUES (1), (2);\n"
                                 "INSERT INTO invoices (customer_id, amount) VALUES (3, 99);\n",
              "DROP TABLE later_things;\nDELETE FROM invoices WHERE amount = 99;\n");
}

// Portable revisions for the restore round trips on both dialects.
void add_portable_revisions(const Project& project) {
  project.add("app", 1, "users",
              "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);\n"
              "INSERT INTO users VALUES (1, 'ada'), (2, 'bob');\n",
              "DROP TABLE users;\n");
  project.add("app", 2, "posts",
              "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users (id), body text);\n"
              "INSERT INTO posts VALUES (10, 1, 'hello'), (11, 2, NULL);\n",
              "DROP TABLE posts;\n");
  project.add("app", 3, "tags", "CREATE TABLE tags (name text PRIMARY KEY);\nINSERT INTO tags VALUES ('x');\n",
              "DROP TABLE tags;\n");
  project.add("app", 4, "rename_ada",
              "CREATE TABLE audit_trail (id integer);\nUPDATE users SET name = 'ADA' WHERE id = 1;\n"
              "DELETE FROM posts WHERE id = 11;\n",
              "DROP TABLE audit_trail;\nUPDATE users SET name = 'ada' WHERE id = 1;\n"
              "INSERT INTO posts VALUES (11, 2, NULL);\n");
}

std::string extension_of(backup::BackupFormat format) {
  return format == backup::BackupFormat::custom ? ".dump" : ".sql";
}

// The backup files of service in the project's folder, newest first.
std::vector<fs::path> listed(const Project& project, const std::string& service = "app") {
  std::vector<fs::path> out;
  for (const backup::BackupFile& file : backup::BackupStore(project.backup_dir()).list(service)) {
    out.push_back(file.path);
  }
  return out;
}

}  // namespace

TEST_CASE("up's PostgreSQL backup restores with the real psql/pg_restore into a fresh database exactly",
          "[integration][backup][postgres]") {
  const auto format = GENERATE(backup::BackupFormat::plain, backup::BackupFormat::custom);
  const bool custom = format == backup::BackupFormat::custom;
  INFO("backup format: " << (custom ? "custom" : "plain"));

  const auto source = test::make_test_database(Dialect::postgres);
  const Project project(service_toml("app", "APP_DATABASE_URL"));
  add_rich_postgres_revisions(project);
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = source->url();

  ITEST_REQUIRE_EXIT(project.run({"up", "app", "--to", "3", "--yes", "--no-backup"}, options), 0);
  REQUIRE(project.backup_entries().empty());
  const Snapshot at_backup = snapshot(*source);
  REQUIRE_THAT(at_backup.schema, Catch::Contains("FUNCTION public.customer_total") &&
                                     Catch::Contains("SEQUENCE public.invoice_number") &&
                                     Catch::Contains("TRIGGER invoices_default_note"));

  const std::string before = backup::backup_timestamp(std::chrono::system_clock::now());
  std::vector<std::string> args{"up", "--yes"};
  if (custom) args.insert(args.end(), {"--backup-format", "custom"});
  const test::CliResult up = project.run(args, options);
  const std::string after = backup::backup_timestamp(std::chrono::system_clock::now());
  ITEST_REQUIRE_EXIT(up, 0);
  REQUIRE(current_revision(project, "app", options) == "0004");

  const auto entries = project.backup_entries();
  INFO("backup folder: " << entries.size() << " entries");
  REQUIRE(entries.size() == 1);
  const std::string name = entries.front();
  CHECK(backup_names(entries, "app", extension_of(format)) == entries);
  const std::string stamp = name.substr(4, 16);
  CHECK(stamp >= before);
  CHECK(stamp <= after);
  const fs::path file = project.backup_dir() / name;
  struct stat info{};
  REQUIRE(::stat(file.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  if (!url_password(source->url()).empty()) {
    CHECK_THAT(test::slurp(file), !Catch::Contains(url_password(source->url())));
  }

  // The source has moved on since the backup.
  REQUIRE(snapshot(*source) != at_backup);

  const auto fresh = test::make_test_database(Dialect::postgres);
  if (custom) {
    run_ok({pg_tool("pg_restore").string(), "--exit-on-error", "--no-password", "--dbname=" + fresh->url(),
            file.string()});
  } else {
    run_ok({pg_tool("psql").string(), "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
            "--file=" + file.string(), "--dbname=" + fresh->url()});
  }
  const Snapshot restored = snapshot(*fresh);
  check_same(restored, at_backup);
  CHECK(fresh->scalar("SELECT customer_total(1)") == "30.50");
  CHECK(fresh->scalar("SELECT nextval('invoice_number')") == "1025");
}

TEST_CASE("migrate restore brings schema and schema_migrations back to the backup",
          "[integration][backup][restore]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << to_string(dialect));
  const std::string extension = dialect == Dialect::postgres ? ".sql" : ".sqlite3";

  const auto db = test::make_test_database(dialect);
  const Project project(service_toml("app", "APP_DATABASE_URL"));
  add_portable_revisions(project);
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();

  ITEST_REQUIRE_EXIT(project.run({"up", "app", "--to", "2", "--yes"}, options), 0);
  REQUIRE(listed(project).size() == 1);
  const fs::path empty_backup = listed(project).front();  // taken before 0001
  const Snapshot at_0002 = snapshot(*db);
  ITEST_REQUIRE_EXIT(project.run({"up", "--yes"}, options), 0);
  REQUIRE(listed(project).size() == 2);
  const fs::path backup_at_0002 = listed(project).front();
  REQUIRE(backup_at_0002 != empty_backup);
  CHECK(backup_names(project.backup_entries(), "app", extension).size() == 2);
  REQUIRE(current_revision(project, "app", options) == "0004");
  const Snapshot at_0004 = snapshot(*db);
  const auto entries_before = project.backup_entries();

  SECTION("without --yes and without a terminal it refuses with exit 2 and changes nothing") {
    const test::CliResult refused = project.run({"restore", "app"}, options);
    ITEST_CHECK_EXIT(refused, 2);
    CHECK_THAT(refused.err, Catch::Contains("--yes"));
    CHECK_THAT(refused.out, !Catch::Contains("restored"));
    check_same(snapshot(*db), at_0004);
    CHECK(project.backup_entries() == entries_before);
    CHECK(current_revision(project, "app", options) == "0004");
    // The refusal is audited as a failed command, with nothing done in between.
    CHECK(event_names(last_run(project)) == std::vector<std::string>{"start", "fail", "done"});

    SECTION("also with an explicit file") {
      ITEST_CHECK_EXIT(project.run({"restore", "app", empty_backup.string()}, options), 2);
      check_same(snapshot(*db), at_0004);
      CHECK(project.backup_entries() == entries_before);
    }
  }

  SECTION("the newest backup by default") {
    const test::CliResult restored = project.run({"restore", "app", "--yes"}, options);
    ITEST_REQUIRE_EXIT(restored, 0);
    CHECK_THAT(restored.out, Catch::Contains(backup_at_0002.filename().string()));
    CHECK(current_revision(project, "app", options) == "0002");
    CHECK(db->user_tables() == std::vector<std::string>{"posts", "users"});
    CHECK(db->history("app") == std::vector<std::string>{"1:users", "2:posts"});
    check_same(snapshot(*db), at_0002);
    CHECK(db->scalar("SELECT name FROM users WHERE id = 1") == "ada");

    // The state it replaced was backed up first, and the restore is audited.
    CHECK(listed(project).size() == 3);
    CHECK(event_names(last_run(project)) ==
          std::vector<std::string>{"start", "confirm", "backup", "restore", "done"});
    const auto events = last_run(project);
    CHECK(events[3]["service"] == "app");
    CHECK(events[3]["ok"] == true);
    CHECK(events[3]["detail"] == backup_at_0002.string());
    CHECK(events[3]["duration_ms"].is_number_integer());

    // The restored history is consistent: the later revisions apply again.
    ITEST_CHECK_EXIT(project.run({"verify"}, options), 0);
    ITEST_REQUIRE_EXIT(project.run({"up", "--yes"}, options), 0);
    CHECK(current_revision(project, "app", options) == "0004");
    const Snapshot again = snapshot(*db);
    CHECK(again.schema == at_0004.schema);
    CHECK(without_history(again.contents) == without_history(at_0004.contents));
  }

  SECTION("an explicit FILE") {
    ITEST_REQUIRE_EXIT(project.run({"restore", "app", empty_backup.string(), "--yes"}, options), 0);
    CHECK(current_revision(project, "app", options).empty());
    CHECK(db->user_tables().empty());
    CHECK(db->history("app").empty());
    ITEST_REQUIRE_EXIT(project.run({"up", "--yes"}, options), 0);
    CHECK(current_revision(project, "app", options) == "0004");
    const Snapshot again = snapshot(*db);
    CHECK(again.schema == at_0004.schema);
    CHECK(without_history(again.contents) == without_history(at_0004.contents));
  }

  SECTION("an explicit FILE given relative to the working directory") {
    test::CliOptions in_folder = options;
    in_folder.cwd = project.backup_dir();
    ITEST_REQUIRE_EXIT(project.run({"restore", "app", backup_at_0002.filename().string(), "--yes"}, in_folder), 0);
    CHECK(current_revision(project, "app", options) == "0002");
    check_same(snapshot(*db), at_0002);
  }
}

TEST_CASE("migrate restore of a custom-format PostgreSQL backup", "[integration][backup][restore][postgres]") {
  const auto db = test::make_test_database(Dialect::postgres);
  const Project project(service_toml("app", "APP_DATABASE_URL"));
  add_portable_revisions(project);
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();

  ITEST_REQUIRE_EXIT(project.run({"up", "app", "--to", "2", "--yes", "--no-backup"}, options), 0);
  const Snapshot at_0002 = snapshot(*db);
  ITEST_REQUIRE_EXIT(project.run({"up", "--yes", "--backup-format", "custom"}, options), 0);
  const auto files = listed(project);
  REQUIRE(files.size() == 1);
  CHECK(files.front().extension() == ".dump");

  ITEST_REQUIRE_EXIT(project.run({"restore", "app", "--yes"}, options), 0);
  CHECK(current_revision(project, "app", options) == "0002");
  check_same(snapshot(*db), at_0002);
  INFO("no converted script is left beside the backups");
  for (const std::string& entry : project.backup_entries()) CHECK_THAT(entry, !Catch::Contains("restore"));
}

TEST_CASE("migrate restore on PostgreSQL also removes a schema and an extension created after the backup",
          "[integration][backup][restore][postgres]") {
  const auto db = test::make_test_database(Dialect::postgres);
  const Project project(service_toml("app", "APP_DATABASE_URL"));
  project.add("app", 1, "base", "CREATE TABLE base (id integer PRIMARY KEY);\nINSERT INTO base VALUES (1);\n",
              "DROP TABLE base;\n");
  project.add("app", 2, "reporting",
              "CREATE SCHEMA reporting;\nCREATE TABLE reporting.daily (day date PRIMARY KEY, total integer);\n"
              "CREATE EXTENSION citext;\nCREATE TABLE emails (address citext PRIMARY KEY);\n",
              "DROP TABLE emails;\nDROP EXTENSION citext;\nDROP SCHEMA reporting CASCADE;\n");
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();

  ITEST_REQUIRE_EXIT(project.run({"up", "app", "--to", "1", "--yes", "--no-backup"}, options), 0);
  const Snapshot at_0001 = snapshot(*db);
  ITEST_REQUIRE_EXIT(project.run({"up", "--yes"}, options), 0);
  REQUIRE(current_revision(project, "app", options) == "0002");

  ITEST_REQUIRE_EXIT(project.run({"restore", "app", "--yes"}, options), 0);
  CHECK(current_revision(project, "app", options) == "0001");
  CHECK(db->scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'reporting'") == "0");
  CHECK(db->scalar("SELECT count(*) FROM pg_extension WHERE extname = 'citext'") == "0");
  check_same(snapshot(*db), at_0001);
  INFO("the rolled-back revision applies again after the restore");
  ITEST_CHECK_EXIT(project.run({"up", "--yes"}, options), 0);
  CHECK(current_revision(project, "app", options) == "0002");
}

TEST_CASE("migrate restore still restores the chosen backup when retention would remove it",
          "[integration][backup][restore]") {
  // The restore backs up the current state first; with that extra file the chosen backup
  // may fall outside keep_backups. It must still be what gets restored.
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();

  SECTION("keep_backups = 1, newest backup") {
    const Project project(service_toml("app", "APP_DATABASE_URL"), 1);
    add_portable_revisions(project);
    ITEST_REQUIRE_EXIT(project.run({"up", "app", "--to", "2", "--yes", "--no-backup"}, options), 0);
    const Snapshot at_0002 = snapshot(*db);
    ITEST_REQUIRE_EXIT(project.run({"up", "--yes"}, options), 0);
    REQUIRE(listed(project).size() == 1);

    const test::CliResult restored = project.run({"restore", "app", "--yes"}, options);
    ITEST_CHECK_EXIT(restored, 0);
    CHECK(current_revision(project, "app", options) == "0002");
    check_same(snapshot(*db), at_0002);
  }

  SECTION("keep_backups = 2, the oldest kept backup named explicitly") {
    const Project project(service_toml("app", "APP_DATABASE_URL"), 2);
    add_portable_revisions(project);
    ITEST_REQUIRE_EXIT(project.run({"up", "app", "--to", "1", "--yes", "--no-backup"}, options), 0);
    const Snapshot at_0001 = snapshot(*db);
    ITEST_REQUIRE_EXIT(project.run({"up", "app", "--to", "2", "--yes"}, options), 0);
    ITEST_REQUIRE_EXIT(project.run({"up", "--yes"}, options), 0);
    REQUIRE(listed(project).size() == 2);
    const fs::path oldest = listed(project).back();

    ITEST_CHECK_EXIT(project.run({"restore", "app", oldest.string(), "--yes"}, options), 0);
    CHECK(current_revision(project, "app", options) == "0001");
    check_same(snapshot(*db), at_0001);
  }
}

TEST_CASE("a restore from a broken backup fails with exit 1 and leaves the database as it was",
          "[integration][backup][restore]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << to_string(dialect));
  const auto db = test::make_test_database(dialect);
  const Project project(service_toml("app", "APP_DATABASE_URL"));
  add_portable_revisions(project);
  test::CliOptions options;
  options.env["APP_DATABASE_URL"] = db->url();
  ITEST_REQUIRE_EXIT(project.run({"up", "--yes", "--no-backup"}, options), 0);
  const Snapshot before = snapshot(*db);

  const test::TempDir elsewhere;
  const fs::path broken =
      dialect == Dialect::postgres
          ? elsewhere.write("app_20260101T000000Z.sql",
                            "DROP TABLE IF EXISTS public.users CASCADE;\nCREATE TABLE public.users (id integer);\n"
                            "THIS IS NOT SQL;\n")
          : elsewhere.write("app_20260101T000000Z.sqlite3", "this is not an SQLite database, just text\n");
  const test::CliResult result = project.run({"restore", "app", broken.string(), "--yes", "--no-backup"}, options);
  ITEST_CHECK_EXIT(result, 1);
  check_same(snapshot(*db), before);
  CHECK(current_revision(project, "app", options) == "0004");
  CHECK(event_names(last_run(project)) ==
        std::vector<std::string>{"start", "confirm", "backup", "restore", "fail", "done"});
  const auto events = last_run(project);
  if (events.size() == 6) {
    CHECK(events[2]["detail"] == "skipped: --no-backup");
    CHECK(events[3]["ok"] == false);
    CHECK(events[3]["error"].is_string());
  }
}

}  // namespace migrate::itest
