// Derived tables of `migrate transfer`: rows made by transfer steps compiled into the
// binary (services/discord-bot/transfers/legacy_permission_levels.cpp) from a legacy
// "GuildConfig", on a copy of the repository's own tree with discord-bot at head: copied
// in the same run as plain tables, validated by running the step again, undone by the
// rollback script, and refused by name when the step is unknown or fails.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <thread>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/cli_fixtures.hpp"
#include "migrate/util/file_io.hpp"

namespace migrate::test {

namespace {

namespace fs = std::filesystem;
using Rows = std::vector<std::vector<std::string>>;

const std::string G1 = "800000000000000101";
const std::string G2 = "800000000000000102";
const std::string G3 = "800000000000000103";

// migrate.toml and services/ of the repository in a temporary folder, discord-bot's
// database given by target, the transfer spec in tux.toml.
class LegacyMove {
 public:
  LegacyMove(const TestDatabase& target, const TestDatabase& source, const std::string& extra_spec = "") {
    const fs::path tree(MIGRATE_SOURCE_DIR);
    fs::copy_file(tree / "migrate.toml", m_dir.path() / "migrate.toml");
    fs::copy(tree / "services", m_dir.path() / "services", fs::copy_options::recursive);
    m_options.env["DISCORD_BOT_DATABASE_URL"] = target.url();
    m_options.env["OLD_DATABASE_URL"] = source.url();
    std::ofstream(m_dir.path() / "tux.toml")
        << "[transfers.tux-v01]\nfrom = \"env:OLD_DATABASE_URL\"\nto = \"discord-bot\"\n"
           "[transfers.tux-v01.tables.Guild]\nto = \"guild\"\n"
           "[transfers.tux-v01.tables.GuildConfig]\nskip = true\n"
           "[transfers.tux-v01.derived.permission_ranks]\nstep = \"derive_permission_ranks\"\n"
           "[transfers.tux-v01.derived.permission_assignments]\nstep = \"derive_permission_assignments\"\n"
        << extra_spec;
  }

  CliResult run(const std::vector<std::string>& args) const { return run_migrate(arguments(args), m_options); }

  std::unique_ptr<ChildProcess> start(const std::vector<std::string>& args) const {
    return start_migrate(arguments(args), m_options);
  }

  // The audit log's text.
  std::string audit() const { return util::read_file(m_dir.path() / "migration-audit.log"); }

 private:
  // --config first, and --spec after `transfer <verb> <name>`.
  std::vector<std::string> arguments(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--config", (m_dir.path() / "migrate.toml").string()});
    if (args.size() > 3 && args[2] == "transfer") {
      args.insert(args.begin() + 5, {"--spec", (m_dir.path() / "tux.toml").string()});
    }
    return args;
  }

 public:
 private:
  TempDir m_dir;
  CliOptions m_options;
};

// The legacy schema: G1 has roles at levels 0, 3 and 5 (the role of 0 again at 5), G2
// none, G3 one at level 7.
void fill_legacy(TestDatabase& source) {
  std::string levels;
  for (int level = 0; level < 8; ++level) levels += ", perm_level_" + std::to_string(level) + "_role_id bigint";
  source.exec("CREATE TABLE \"Guild\" (guild_id bigint PRIMARY KEY, case_count integer NOT NULL DEFAULT 0);"
              "CREATE TABLE \"GuildConfig\" (guild_id bigint PRIMARY KEY" + levels + ");"
              "INSERT INTO \"Guild\" VALUES (" + G1 + ", 3), (" + G2 + ", 0), (" + G3 + ", 1);"
              "INSERT INTO \"GuildConfig\" (guild_id, perm_level_0_role_id, perm_level_3_role_id, perm_level_5_role_id) "
              "VALUES (" + G1 + ", 100, 101, 100);"
              "INSERT INTO \"GuildConfig\" (guild_id) VALUES (" + G2 + ");"
              "INSERT INTO \"GuildConfig\" (guild_id, perm_level_7_role_id) VALUES (" + G3 + ", 300);");
}

Rows ranks(TestDatabase& db) {
  return db.query("SELECT id, guild_id, rank, name FROM permission_ranks ORDER BY id");
}

Rows assignments(TestDatabase& db) {
  return db.query("SELECT a.guild_id, r.rank, a.role_id FROM permission_assignments a "
                  "JOIN permission_ranks r ON r.id = a.permission_rank_id ORDER BY a.id");
}

const Rows k_ranks = {{"1", G1, "0", "Rank 0"}, {"2", G1, "3", "Rank 3"}, {"3", G1, "5", "Rank 5"}, {"4", G3, "7", "Rank 7"}};
const Rows k_assignments = {{G1, "0", "100"}, {G1, "3", "101"}, {G3, "7", "300"}};

}  // namespace

TEST_CASE("transfer: derived tables are made by transfer steps in the same run, validated and undone",
          "[transfer][cli]") {
  const Dialect source_dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  CAPTURE(to_string(source_dialect));
  auto source = make_test_database(source_dialect);
  auto target = make_test_database(Dialect::postgres);
  fill_legacy(*source);
  LegacyMove move(*target, *source);
  REQUIRE_EXIT(move.run({"up", "discord-bot", "--yes"}), 0);

  const CliResult plan = move.run({"transfer", "plan", "tux-v01"});
  REQUIRE_EXIT(plan, 0);
  CHECK(contains(plan.out, "(derived) permission_ranks by transfer step derive_permission_ranks"));
  CHECK(contains(plan.out, "(derived) permission_assignments by transfer step derive_permission_assignments"));

  const CliResult run = move.run({"transfer", "run", "tux-v01", "--yes", "--json"});
  REQUIRE_EXIT(run, 0);
  CHECK(target->scalar("SELECT count(*) FROM guild") == "3");
  CHECK(ranks(*target) == k_ranks);
  CHECK(assignments(*target) == k_assignments);
  // The identity sequence is past the ids the step chose: the application's next rank fits.
  target->exec("INSERT INTO permission_ranks (guild_id, rank, name) VALUES (" + G2 + ", 1, 'new')");
  CHECK(target->scalar("SELECT max(id) FROM permission_ranks") == "5");
  target->exec("DELETE FROM permission_ranks WHERE id = 5");

  const CliResult status = move.run({"transfer", "status", "tux-v01", "--json"});
  REQUIRE_EXIT(status, 0);
  CHECK(contains(status.out, "step:derive_permission_ranks"));
  // The run's record keeps its rows per table and the checksum of the mapping it copied with.
  const nlohmann::json runs = parse_json(status)["runs"];
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["tables"]["permission_ranks"] == 4);
  CHECK(runs[0]["tables"]["permission_assignments"] == 3);
  CHECK(runs[0]["tables"]["guild"] == 3);
  CHECK(runs[0]["mapping_sha256"].get<std::string>().size() == 64);

  // A second run finds both derived tables done: nothing is made twice.
  REQUIRE_EXIT(move.run({"transfer", "run", "tux-v01", "--yes"}), 0);
  CHECK(ranks(*target) == k_ranks);
  // Made again from the start into a table that holds its rows: refused, with the way out.
  const CliResult again = move.run({"transfer", "run", "tux-v01", "--yes", "--restart", "--table", "permission_ranks"});
  CHECK_EXIT(again, 1);
  CHECK(contains(again.err, "set on_conflict = \"update\" or \"skip\" for the derived table permission_ranks"));
  CHECK(ranks(*target) == k_ranks);

  const CliResult valid = move.run({"transfer", "validate", "tux-v01", "--json"});
  CHECK_EXIT(valid, 0);
  CHECK(contains(valid.out, "\"target\": \"permission_assignments\""));
  // A lost assignment is found by running the step again and naming the row.
  target->exec("UPDATE permission_assignments SET role_id = 999 WHERE role_id = 101");
  const CliResult invalid = move.run({"transfer", "validate", "tux-v01"});
  CHECK_EXIT(invalid, 4);
  CHECK(contains(invalid.out, "FAIL step:derive_permission_assignments -> permission_assignments"));
  CHECK(contains(invalid.out, "permission_assignments (\"id\") = (2): different"));
  target->exec("UPDATE permission_assignments SET role_id = 101 WHERE role_id = 999");

  // The run's rollback script removes what the steps made, as it does copied rows.
  const std::string script = parse_json(run)["rollback_script"];
  target->exec(util::read_file(script));
  CHECK(target->scalar("SELECT count(*) FROM permission_ranks") == "0");
  CHECK(target->scalar("SELECT count(*) FROM permission_assignments") == "0");
  CHECK(target->scalar("SELECT count(*) FROM guild") == "0");
}

TEST_CASE("transfer: an unknown or failing transfer step is refused by name and leaves its table as it was",
          "[transfer][cli]") {
  auto source = make_test_database(Dialect::postgres);
  auto target = make_test_database(Dialect::postgres);
  fill_legacy(*source);

  SECTION("a step this binary does not have: plan and run exit 2, nothing written") {
    LegacyMove move(*target, *source, "[transfers.tux-v01.derived.permission_commands]\nstep = \"derive_nothing\"\n");
    REQUIRE_EXIT(move.run({"up", "discord-bot", "--yes"}), 0);
    const std::string before = target->schema();
    const CliResult plan = move.run({"transfer", "plan", "tux-v01"});
    CHECK_EXIT(plan, 2);
    CHECK(contains(plan.out + plan.err, "no transfer step named derive_nothing is built into this migrate"));
    CHECK(contains(plan.out + plan.err, "derive_permission_ranks"));  // the known ones are listed
    const CliResult run = move.run({"transfer", "run", "tux-v01", "--yes"});
    CHECK_EXIT(run, 2);
    CHECK(target->schema() == before);
    CHECK(target->scalar("SELECT count(*) FROM guild") == "0");
  }

  SECTION("a step that fails: its table rolled back whole, the copied tables kept, the rerun runs it again") {
    LegacyMove move(*target, *source);
    REQUIRE_EXIT(move.run({"up", "discord-bot", "--yes"}), 0);
    // A rank name the target refuses (too long) is not what the step makes; a missing
    // source column is: the step's query fails.
    source->exec("ALTER TABLE \"GuildConfig\" RENAME COLUMN perm_level_7_role_id TO legacy_7");
    const CliResult run = move.run({"transfer", "run", "tux-v01", "--yes"});
    CHECK_EXIT(run, 1);
    CHECK(contains(run.err, "filling permission_ranks by transfer step derive_permission_ranks"));
    CHECK(contains(run.err, "perm_level_7_role_id"));
    CHECK(target->scalar("SELECT count(*) FROM guild") == "3");  // copied before, kept
    CHECK(target->scalar("SELECT count(*) FROM permission_ranks") == "0");
    source->exec("ALTER TABLE \"GuildConfig\" RENAME COLUMN legacy_7 TO perm_level_7_role_id");
    REQUIRE_EXIT(move.run({"transfer", "run", "tux-v01", "--yes"}), 0);
    CHECK(ranks(*target) == k_ranks);
    CHECK(assignments(*target) == k_assignments);
  }
}

TEST_CASE("transfer: a derived table with on_conflict = \"update\" upserts the step's rows and its undo restores them",
          "[transfer][cli]") {
  auto source = make_test_database(Dialect::postgres);
  auto target = make_test_database(Dialect::postgres);
  fill_legacy(*source);
  LegacyMove move(*target, *source, "on_conflict = \"update\"\n");  // appended to the assignments entry
  REQUIRE_EXIT(move.run({"up", "discord-bot", "--yes"}), 0);
  REQUIRE_EXIT(move.run({"transfer", "run", "tux-v01", "--yes"}), 0);
  // Someone changed an assignment since; a rerun from the start puts the step's row back.
  target->exec("UPDATE permission_assignments SET role_id = 555 WHERE id = 3");
  const std::string before = target->scalar("SELECT string_agg(id || ':' || role_id, ',' ORDER BY id) FROM permission_assignments");
  const CliResult again = move.run({"transfer", "run", "tux-v01", "--yes", "--restart", "--table",
                                    "permission_assignments", "--json"});
  REQUIRE_EXIT(again, 0);
  CHECK(assignments(*target) == k_assignments);
  CHECK(target->scalar("SELECT count(*) FROM permission_assignments") == "3");
  target->exec(util::read_file(parse_json(again)["rollback_script"].get<std::string>()));
  CHECK(target->scalar("SELECT string_agg(id || ':' || role_id, ',' ORDER BY id) FROM permission_assignments") == before);
}

TEST_CASE("transfer: SIGINT while a derived table loads rolls all of it back, keeps the copied tables and says so",
          "[transfer][cli]") {
  auto source = make_test_database(Dialect::postgres);
  auto target = make_test_database(Dialect::postgres);
  std::string levels;
  for (int level = 0; level < 8; ++level) levels += ", perm_level_" + std::to_string(level) + "_role_id bigint";
  source->exec("CREATE TABLE \"Guild\" (guild_id bigint PRIMARY KEY, case_count integer NOT NULL DEFAULT 0);"
               "CREATE TABLE \"GuildConfig\" (guild_id bigint PRIMARY KEY" + levels + ");"
               "INSERT INTO \"Guild\" SELECT g, 0 FROM generate_series(1, 3000) g;"
               "INSERT INTO \"GuildConfig\" (guild_id, perm_level_1_role_id) SELECT g, 10000 + g FROM generate_series(1, 3000) g;");
  LegacyMove move(*target, *source);
  REQUIRE_EXIT(move.run({"up", "discord-bot", "--yes"}), 0);
  // Each rank waits in a trigger: the signal always finds the derived table loading.
  target->exec("CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.002); RETURN NEW; END $$;"
               "CREATE TRIGGER slow BEFORE INSERT ON permission_ranks FOR EACH ROW EXECUTE FUNCTION slow();");

  auto child = move.start({"transfer", "run", "tux-v01", "--yes", "--json"});
  REQUIRE(child->wait_for_output("\"table\":\"step:derive_permission_ranks\"", std::chrono::seconds(60)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(child->pid(), SIGINT);
  const CliResult stopped = child->wait(std::chrono::seconds(20));
  CHECK_EXIT(stopped, 130);
  CHECK(contains(stopped.err, "while filling permission_ranks by transfer step derive_permission_ranks"));
  CHECK(contains(stopped.err, "nothing of it kept"));
  CHECK(target->scalar("SELECT count(*) FROM guild") == "3000");          // copied before: kept
  CHECK(target->scalar("SELECT count(*) FROM permission_ranks") == "0");  // all of it rolled back
  CHECK(target->scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'migrate transfer' "
                       "AND datname = current_database()") == "0");
  CHECK(contains(move.audit(), "nothing of it kept"));

  target->exec("DROP TRIGGER slow ON permission_ranks");
  REQUIRE_EXIT(move.run({"transfer", "run", "tux-v01", "--yes"}), 0);
  CHECK(target->scalar("SELECT count(*) FROM permission_ranks") == "3000");
  CHECK(target->scalar("SELECT count(*) FROM permission_assignments") == "3000");
}

}  // namespace migrate::test
