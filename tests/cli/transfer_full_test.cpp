// `migrate transfer full` against real databases: a SQLite source into an empty PostgreSQL
// service (schema revision written, applied, copied, validated, undone by its rollback
// script), a target already at head, a failed preflight and an unconfirmed run that change
// nothing, and a validation mismatch that stops with exit 4 naming the rollback script.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_fixtures.hpp"
#include "migrate/util/file_io.hpp"

namespace migrate::test {

namespace {

// Two tables, the second referencing the first, with values the conversion types.
void fill_source(TestDatabase& source) {
  source.exec(
      "CREATE TABLE guild (id INTEGER PRIMARY KEY, name TEXT NOT NULL, is_active INTEGER NOT NULL, settings TEXT, "
      "created_at INTEGER);"
      "CREATE TABLE member (guild_id INTEGER NOT NULL REFERENCES guild(id), user_id INTEGER NOT NULL, "
      "PRIMARY KEY (guild_id, user_id));");
  std::string sql = "BEGIN;";
  for (int i = 1; i <= 300; ++i) {
    const std::string n = std::to_string(i);
    sql += "INSERT INTO guild VALUES (" + n + ", 'g" + n + "', " + std::to_string(i % 2) + ", '{\"n\": " + n + "}', " +
           std::to_string(1714564800 + i) + ");";
    sql += "INSERT INTO member VALUES (" + n + ", " + std::to_string(i * 3) + "), (" + n + ", " + std::to_string(i * 3 + 1) +
           ");";
  }
  source.exec(sql + "COMMIT;");
}

std::vector<std::string> files_in(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> events_of(const CliProject& project, const std::string& event) {
  std::vector<std::string> details;
  for (const auto& line : project.audit()) {
    if (line["event"] == event) details.push_back(line.value("detail", std::string()));
  }
  return details;
}

}  // namespace

TEST_CASE("transfer full: a SQLite source into an empty service writes the schema, applies it, copies and validates",
          "[transfer][cli]") {
  auto source = make_test_database(Dialect::sqlite);
  auto target = make_test_database(Dialect::postgres);
  fill_source(*source);
  CliProject project;
  write_transfer_manifest(project, *target, "[transfers.bot-sqlite]\nfrom = \"sqlite:" + sqlite_file(*source).string() + "\"\nto = \"bot\"\n");
  std::filesystem::create_directories(project.migrations("bot"));

  const CliResult full = project.run({"transfer", "full", "bot-sqlite", "--yes", "--json", "--batch", "100"});
  REQUIRE_EXIT(full, 0);
  // One envelope on stdout (parse_json refuses anything after it); progress went to stderr.
  const auto document = parse_json(full);
  CHECK(contains(full.err, "\"event\":\"progress\""));
  CHECK(document["success"] == true);
  CHECK(document["done"] == nlohmann::json({"preflight", "schema", "up", "run", "validate"}));
  CHECK(document["failed_stage"].is_null());
  CHECK(document["plan"]["schema_revision"] == "0001_transfer_bot_sqlite_schema");
  CHECK(document["plan"]["pending"] == nlohmann::json({"0001_transfer_bot_sqlite_schema"}));
  REQUIRE(document["plan"]["tables"].size() == 2);
  CHECK(document["plan"]["tables"][0]["source"] == "guild");  // parents first
  CHECK(document["plan"]["tables"][0]["on_conflict"] == "error");
  CHECK(document["stages"]["preflight"]["ok"] == true);
  CHECK(document["stages"]["schema"]["version"] == 1);
  CHECK(document["stages"]["up"]["applied"] == 1);
  CHECK(document["stages"]["run"]["rows_written"] == 900);
  CHECK(document["stages"]["validate"]["ok"] == true);
  for (const auto& table : document["stages"]["validate"]["tables"]) CHECK(table["ok"] == true);

  CHECK(files_in(project.migrations("bot")) ==
        std::vector<std::string>{"0001_transfer_bot_sqlite_schema.down.sql", "0001_transfer_bot_sqlite_schema.up.sql"});
  CHECK(target->history("bot") == std::vector<std::string>{"1:transfer_bot_sqlite_schema"});
  CHECK(target->scalar("SELECT data_type FROM information_schema.columns WHERE table_name = 'guild' AND "
                       "column_name = 'is_active'") == "boolean");
  CHECK(target->scalar("SELECT count(*) FROM member") == "600");

  // One audit trail: one start and one done around up's and the copy's lines.
  int starts = 0;
  int dones = 0;
  for (const auto& line : project.audit()) {
    starts += line["event"] == "start" ? 1 : 0;
    dones += line["event"] == "done" ? 1 : 0;
  }
  CHECK(starts == 1);
  CHECK(dones == 1);
  CHECK(events_of(project, "apply").size() == 1);
  CHECK(events_of(project, "transfer").size() == 1);
  const auto full_events = events_of(project, "transfer_full");
  REQUIRE(full_events.size() == 2);
  CHECK(contains(full_events[1], "preflight, schema, up, run, validate done"));

  // The run is in the target's history, with validation's verdict.
  const CliResult status = project.run({"transfer", "status", "bot-sqlite", "--json"});
  REQUIRE_EXIT(status, 0);
  const auto state = parse_json(status);
  REQUIRE(state["runs"].size() == 1);
  CHECK(state["runs"][0]["outcome"] == "ok, validated");
  CHECK(state["runs"][0]["rows"] == 900);

  // The rollback script takes the copied rows out again.
  const std::string script = document["rollback_script"];
  REQUIRE(std::filesystem::exists(script));
  target->exec(util::read_file(script));
  CHECK(target->scalar("SELECT count(*) FROM member") == "0");
  CHECK(target->scalar("SELECT count(*) FROM guild") == "0");
}

TEST_CASE("transfer full: a target already at head gets no revision, and the copy runs", "[transfer][cli]") {
  auto source = make_test_database(Dialect::sqlite);
  auto target = make_test_database(Dialect::postgres);
  fill_source(*source);
  CliProject project;
  project.add("bot", 1, "schema",
              "CREATE TABLE guild (id bigint PRIMARY KEY, name text NOT NULL, is_active boolean NOT NULL, settings jsonb, "
              "created_at timestamptz);\n"
              "CREATE TABLE member (guild_id bigint NOT NULL REFERENCES guild(id), user_id bigint NOT NULL, "
              "PRIMARY KEY (guild_id, user_id));\n",
              "DROP TABLE member, guild;\n");
  write_transfer_manifest(project, *target,
                 "[transfers.kept]\nfrom = \"sqlite:" + sqlite_file(*source).string() + "\"\nto = \"bot\"\n"
                 "[transfers.kept.tables.member]\non_conflict = \"skip\"\n");
  REQUIRE_EXIT(project.run({"up", "--yes"}), 0);
  const auto before = files_in(project.migrations("bot"));

  const CliResult full = project.run({"transfer", "full", "kept", "--yes"});
  REQUIRE_EXIT(full, 0);
  INFO(describe(full));
  // The plan was shown before the copy, with each table's conflict mode.
  CHECK(contains(full.out, "member -> member (on conflict: skip)"));
  CHECK(contains(full.out, "up: nothing pending"));
  CHECK(contains(full.out, "transfer kept: done (preflight, up, run, validate)"));
  CHECK(files_in(project.migrations("bot")) == before);
  CHECK(target->history("bot") == std::vector<std::string>{"1:schema"});
  CHECK(target->scalar("SELECT count(*) FROM guild") == "300");
  CHECK(target->scalar("SELECT count(*) FROM member") == "600");
}

TEST_CASE("transfer full: a failed preflight stops with exit 4 before anything is written", "[transfer][cli]") {
  auto source = make_test_database(Dialect::sqlite);
  auto target = make_test_database(Dialect::postgres);
  fill_source(*source);
  CliProject project;
  write_transfer_manifest(project, *target,
                 "[transfers.needs]\nfrom = \"sqlite:" + sqlite_file(*source).string() + "\"\nto = \"bot\"\n"
                 "extensions = [\"no_such_extension_anywhere\"]\n");
  std::filesystem::create_directories(project.migrations("bot"));
  const std::string schema = target->schema();

  const CliResult full = project.run({"transfer", "full", "needs", "--yes", "--json"});
  CHECK_EXIT(full, 4);
  const auto document = parse_json(full);
  CHECK(document["success"] == false);
  CHECK(document["exit_code"] == 4);
  CHECK(document["failed_stage"] == "preflight");
  CHECK(document["done"].empty());
  CHECK(contains(document["error"], "preflight check(s) failed (extension no_such_extension_anywhere)"));
  bool named = false;
  for (const auto& check : document["stages"]["preflight"]["checks"]) {
    if (check["name"] == "extension no_such_extension_anywhere") named = check["ok"] == false && !check["fix"].is_null();
  }
  CHECK(named);
  // No revision file, no `up`, no copy, no bookkeeping table.
  CHECK(files_in(project.migrations("bot")).empty());
  CHECK(target->schema() == schema);
  CHECK(target->user_tables().empty());

  // Without --json the failed checks are printed with their fixes.
  const CliResult text = project.run({"transfer", "full", "needs", "--yes"});
  CHECK_EXIT(text, 4);
  CHECK(contains(text.out, "FAIL extension no_such_extension_anywhere"));
  CHECK(files_in(project.migrations("bot")).empty());
}

TEST_CASE("transfer full: without --yes it asks like up: refused with no terminal, declined changes nothing",
          "[transfer][cli]") {
  auto source = make_test_database(Dialect::sqlite);
  auto target = make_test_database(Dialect::postgres);
  fill_source(*source);
  CliProject project;
  write_transfer_manifest(project, *target, "[transfers.asked]\nfrom = \"sqlite:" + sqlite_file(*source).string() + "\"\nto = \"bot\"\n");
  std::filesystem::create_directories(project.migrations("bot"));
  const std::string schema = target->schema();

  const CliResult refused = project.run({"transfer", "full", "asked"});
  CHECK_EXIT(refused, 2);
  CHECK(contains(refused.err, "without confirmation: no terminal to ask on; pass --yes"));
  CHECK(files_in(project.migrations("bot")).empty());
  CHECK(target->schema() == schema);

  const CliResult declined = project.run_on_terminal({"transfer", "full", "asked"}, "n\n");
  CHECK_EXIT(declined, 2);
  INFO(describe(declined));
  CHECK(contains(declined.out, "write revision 0001_transfer_asked_schema"));
  CHECK(contains(declined.out, "Proceed? [y/N]"));
  CHECK(contains(declined.out, "Cancelled; nothing was changed."));
  CHECK(files_in(project.migrations("bot")).empty());
  CHECK(target->schema() == schema);
  CHECK(events_of(project, "decline").size() == 1);

  // Said yes on the terminal: everything runs after the one question.
  const CliResult accepted = project.run_on_terminal({"transfer", "full", "asked"}, "y\n");
  CHECK_EXIT(accepted, 0);
  CHECK(target->scalar("SELECT count(*) FROM guild") == "300");
}

TEST_CASE("transfer full: a validation mismatch stops with exit 4 after the copy, naming the rollback script",
          "[transfer][cli]") {
  auto source = make_test_database(Dialect::sqlite);
  auto target = make_test_database(Dialect::postgres);
  source->exec("CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT NOT NULL);"
               "INSERT INTO item VALUES (1, 'a'), (2, 'b'), (3, 'c');");
  CliProject project;
  // A pending revision makes the table, with a trigger that changes what is copied.
  project.add("bot", 1, "item",
              "CREATE TABLE item (id bigint PRIMARY KEY, label text NOT NULL);\n"
              "CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.label := upper(NEW.label); "
              "RETURN NEW; END $$;\n"
              "CREATE TRIGGER shout BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION shout();\n",
              "DROP TABLE item;\nDROP FUNCTION shout();\n");
  write_transfer_manifest(project, *target, "[transfers.items]\nfrom = \"sqlite:" + sqlite_file(*source).string() + "\"\nto = \"bot\"\n");

  const CliResult full = project.run({"transfer", "full", "items", "--yes", "--json"});
  CHECK_EXIT(full, 4);
  const auto document = parse_json(full);
  CHECK(document["failed_stage"] == "validate");
  CHECK(document["done"] == nlohmann::json({"preflight", "up", "run"}));
  CHECK(document["plan"]["schema_revision"].is_null());
  CHECK(document["plan"]["pending"] == nlohmann::json({"0001_item"}));
  const std::string script = document["rollback_script"];
  CHECK(contains(document["error"], "rollback script " + script));
  CHECK(document["stages"]["validate"]["ok"] == false);
  CHECK(target->scalar("SELECT string_agg(label, ',' ORDER BY id) FROM item") == "A,B,C");
  CHECK(target->scalar("SELECT outcome FROM migrate_transfer_runs ORDER BY id DESC LIMIT 1") ==
        "ok, validation failed: 1 table(s) differ");
  target->exec(util::read_file(script));
  CHECK(target->scalar("SELECT count(*) FROM item") == "0");
}

TEST_CASE("transfer full: a mapping that does not fit the tables up made stops the copy with exit 2", "[transfer][cli]") {
  auto source = make_test_database(Dialect::sqlite);
  auto target = make_test_database(Dialect::postgres);
  source->exec("CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT NOT NULL);"
               "INSERT INTO item VALUES (1, 'a'), (2, 'b');");
  CliProject project;
  project.add("bot", 1, "item", "CREATE TABLE item (id bigint PRIMARY KEY, label text NOT NULL);\n");
  write_transfer_manifest(project, *target, "[transfers.items]\nfrom = \"sqlite:" + sqlite_file(*source).string() + "\"\nto = \"bot\"\n");
  const CliResult first = project.run({"transfer", "full", "items", "--yes", "--json"});
  REQUIRE_EXIT(first, 0);
  REQUIRE(parse_json(first)["rollback_script"].is_string());

  // A pending revision adds a column nothing in the source feeds.
  project.add("bot", 2, "extra", "ALTER TABLE item ADD COLUMN extra text NOT NULL DEFAULT 'x';\n"
                                 "ALTER TABLE item ALTER COLUMN extra DROP DEFAULT;\n");
  const CliResult full = project.run({"transfer", "full", "items", "--yes", "--json"});
  CHECK_EXIT(full, 2);
  const auto document = parse_json(full);
  CHECK(document["failed_stage"] == "run");
  CHECK(document["done"] == nlohmann::json({"preflight", "up"}));
  CHECK(contains(document["error"], "extra"));
  // The earlier run's script is not this one's: the copy never started.
  CHECK(document["rollback_script"].is_null());
  CHECK(target->history("bot") == std::vector<std::string>{"1:item", "2:extra"});
  CHECK(target->scalar("SELECT count(*) FROM migrate_transfer_runs") == "1");
}

TEST_CASE("transfer full: SIGINT during the copy stops as run does, exit 130, with the rollback script",
          "[transfer][cli]") {
  auto source = make_test_database(Dialect::sqlite);
  auto target = make_test_database(Dialect::postgres);
  fill_item_source(*source, 60000);
  CliProject project;
  // Each row waits in a trigger, so the copy is always inside a chunk when the signal comes.
  add_slow_item_table(project, "0.0005");
  write_transfer_manifest(project, *target,
                 "[transfers.items]\nfrom = \"sqlite:" + sqlite_file(*source).string() + "\"\nto = \"bot\"\nbatch = 2000\n");

  auto child = project.start({"transfer", "full", "items", "--yes", "--json"});
  REQUIRE(child->wait_for_output("\"rows_read\":4000", std::chrono::seconds(60)));
  ::kill(child->pid(), SIGINT);
  const CliResult stopped = child->wait(std::chrono::seconds(20));
  CHECK_EXIT(stopped, 130);
  const auto document = parse_json(stopped);
  CHECK(document["failed_stage"] == "run");
  CHECK(document["done"] == nlohmann::json({"preflight", "up"}));
  REQUIRE(document["rollback_script"].is_string());
  CHECK(std::filesystem::exists(document["rollback_script"].get<std::string>()));
  CHECK(target->scalar("SELECT outcome FROM migrate_transfer_runs ORDER BY id DESC LIMIT 1") == "interrupted");
  const auto full_events = events_of(project, "transfer_full");
  REQUIRE(full_events.size() == 2);
  CHECK(contains(full_events[1], "stopped at run"));
  // Run again, it resumes where the copy stopped and finishes.
  target->exec("DROP TRIGGER slow ON item");
  const CliResult again = project.run({"transfer", "full", "items", "--yes"});
  CHECK_EXIT(again, 0);
  CHECK(target->scalar("SELECT count(*) FROM item") == "60000");
}

}  // namespace migrate::test
