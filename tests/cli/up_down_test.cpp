// `migrate up` / `down` / `status` / `history` / `current` through the binary, on both dialects.
#include <catch2/catch.hpp>

#include <regex>

#include "cli/cli_fixtures.hpp"

using migrate::Dialect;
using namespace migrate::test;
using Tables = std::vector<std::string>;

namespace {

// alpha, beta, and an index plus a data row in 0003, every one reversible.
void add_three_revisions(const CliProject& project) {
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  project.write("0003_index_beta.up.sql",
                "-- an index and a row, to show multi-statement files\n"
                "CREATE INDEX beta_note ON beta (note);\n"
                "INSERT INTO alpha (id, note) VALUES (1, 'seeded');\n");
  project.write("0003_index_beta.down.sql", "DELETE FROM alpha WHERE id = 1;\nDROP INDEX beta_note;\n");
}

}  // namespace

TEST_CASE("up, status up_to_date, down --all leaves nothing, and up works again", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  // Every run through CliProject checks its output for the URL's password: make sure there is one.
  if (dialect == Dialect::postgres) REQUIRE_FALSE(url_password(db->url()).empty());
  CliProject project;
  add_three_revisions(project);

  const CliResult before = project.run({"status", "--json"}, db.get());
  REQUIRE_EXIT(before, 0);
  nlohmann::json document = parse_json(before);
  CHECK(document["success"] == true);
  CHECK(document["overall_status"] == "pending");
  CHECK(document["total_pending"] == 3);
  check_service_status(document, "app", "pending", "", "0003", 0, 3);

  std::vector<std::string> schemas_up, schemas_down;
  for (int round = 1; round <= 2; ++round) {
    INFO("round " << round);
    const CliResult up = project.run({"up", "--yes"}, db.get());
    REQUIRE_EXIT(up, 0);
    CHECK_THAT(up.out, Catch::Contains("0003_index_beta"));
    CHECK(db->user_tables() == Tables{"alpha", "beta"});
    CHECK(db->history("app") ==
          std::vector<std::string>{"1:create_alpha", "2:create_beta", "3:index_beta"});
    CHECK(db->scalar("SELECT note FROM alpha WHERE id = 1") == "seeded");
    CHECK(lock_rows(*db) == 0);
    schemas_up.push_back(db->schema());

    const CliResult text = project.run({"status"}, db.get());
    CHECK_EXIT(text, 0);
    CHECK_THAT(text.out, Catch::Contains("up_to_date"));
    const CliResult json = project.run({"status", "--json"}, db.get());
    REQUIRE_EXIT(json, 0);
    document = parse_json(json);
    CHECK(document["success"] == true);
    CHECK(document["overall_status"] == "up_to_date");
    CHECK(document["total_pending"] == 0);
    check_service_status(document, "app", "up_to_date", "0003", "0003", 3, 0);

    const CliResult again = project.run({"up", "--yes"}, db.get());
    CHECK_EXIT(again, 0);
    CHECK(db->history("app").size() == 3u);

    const CliResult down = project.run({"down", "app", "--all", "--yes"}, db.get());
    REQUIRE_EXIT(down, 0);
    CHECK(db->user_tables().empty());
    CHECK(db->scalar("SELECT count(*) FROM schema_migrations") == "0");
    CHECK(lock_rows(*db) == 0);
    schemas_down.push_back(db->schema());

    const CliResult after = project.run({"status", "--json"}, db.get());
    REQUIRE_EXIT(after, 0);
    document = parse_json(after);
    CHECK(document["overall_status"] == "pending");
    CHECK(document["total_pending"] == 3);
    check_service_status(document, "app", "pending", "", "0003", 0, 3);
  }
  CHECK(schemas_up[0] == schemas_up[1]);
  CHECK(schemas_down[0] == schemas_down[1]);
  CHECK_THAT(schemas_down[0], !Catch::Contains("alpha"));
}

TEST_CASE("a failing revision exits 1 naming the file and the error, earlier ones stay, it leaves no trace",
          "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  const auto reference = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  // Creates a table and an index, then fails: both must be rolled back.
  project.write("0003_broken.up.sql",
                "CREATE TABLE gamma (id INTEGER PRIMARY KEY, note TEXT);\n"
                "CREATE INDEX gamma_note ON gamma (note);\n"
                "INSERT INTO no_such_table (id) VALUES (1);\n");
  project.write("0003_broken.down.sql", "DROP TABLE gamma;\n");
  project.add_table(4, "delta");

  const CliResult up = project.run({"up", "--yes"}, db.get());
  CHECK_EXIT(up, 1);
  CHECK_THAT(up.err, Catch::Contains("0003_broken.up.sql"));
  CHECK_THAT(up.err, Catch::Contains("no_such_table"));
  CHECK(db->history("app") == std::vector<std::string>{"1:create_alpha", "2:create_beta"});
  CHECK(db->user_tables() == Tables{"alpha", "beta"});
  CHECK(lock_rows(*db) == 0);

  // The same revisions applied up to 0002 and no further: the schemas must be equal.
  const CliResult partial = project.run({"up", "app", "--to", "0002", "--yes"}, reference.get());
  REQUIRE_EXIT(partial, 0);
  CHECK(db->schema() == reference->schema());
  CHECK_THAT(db->schema(), !Catch::Contains("gamma"));

  const CliResult json = project.run({"status", "--json"}, db.get());
  REQUIRE_EXIT(json, 0);
  check_service_status(parse_json(json), "app", "pending", "0002", "0004", 2, 2);

  // Fixed, the run goes on from where it stopped.
  project.write("0003_broken.up.sql", "CREATE TABLE gamma (id INTEGER PRIMARY KEY, note TEXT);\n");
  const CliResult fixed = project.run({"up", "--yes"}, db.get());
  CHECK_EXIT(fixed, 0);
  CHECK(db->user_tables() == Tables{"alpha", "beta", "delta", "gamma"});
}

TEST_CASE("down rolls back one revision by default, N with --step, down to V with --to", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  project.add_table(3, "gamma");
  project.add_table(4, "delta");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);

  CliResult run = project.run({"down", "app", "--yes"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->history("app").size() == 3u);
  CHECK(db->user_tables() == Tables{"alpha", "beta", "gamma"});

  run = project.run({"down", "app", "--step", "2", "--yes"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->history("app") == std::vector<std::string>{"1:create_alpha"});
  CHECK(db->user_tables() == Tables{"alpha"});

  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  CHECK(db->user_tables() == Tables{"alpha", "beta", "delta", "gamma"});

  run = project.run({"down", "app", "--to", "0002", "--yes"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->history("app") == std::vector<std::string>{"1:create_alpha", "2:create_beta"});
  CHECK(db->user_tables() == Tables{"alpha", "beta"});

  // Asking for more than is applied, or for an unknown version, is a usage error.
  const DatabaseState before = capture(*db);
  run = project.run({"down", "app", "--step", "3", "--yes"}, db.get());
  CHECK_EXIT(run, 2);
  run = project.run({"down", "app", "--to", "0009", "--yes"}, db.get());
  CHECK_EXIT(run, 2);
  CHECK(capture(*db) == before);

  run = project.run({"down", "app", "--to", "0", "--yes"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->user_tables().empty());
  CHECK(db->history("app").empty());
}

TEST_CASE("an irreversible revision stops down with exit 2 before anything is rolled back", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  project.add_table(2, "beta", "app", /*reversible=*/false);
  project.add_table(3, "gamma");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  const DatabaseState before = capture(*db);

  for (const std::vector<std::string>& how :
       {std::vector<std::string>{"--all"}, {"--to", "0001"}, {"--step", "2"}}) {
    std::vector<std::string> args{"down", "app", "--yes"};
    args.insert(args.end(), how.begin(), how.end());
    const CliResult run = project.run(args, db.get());
    CHECK_EXIT(run, 2);
    CHECK_THAT(run.err, Catch::Contains("0002_create_beta"));
    CHECK_THAT(run.err, Catch::Contains("irreversible"));
    CHECK(capture(*db) == before);
  }

  // 0003 can go; then 0002 blocks.
  CliResult run = project.run({"down", "app", "--yes"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->user_tables() == Tables{"alpha", "beta"});
  const DatabaseState at_two = capture(*db);
  run = project.run({"down", "app", "--yes"}, db.get());
  CHECK_EXIT(run, 2);
  CHECK_THAT(run.err, Catch::Contains("0002_create_beta"));
  CHECK(capture(*db) == at_two);
}

TEST_CASE("without --yes and without a terminal, up and down refuse with exit 2 and change nothing",
          "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  REQUIRE_EXIT(project.run({"up", "app", "--to", "0001", "--yes"}, db.get()), 0);
  const DatabaseState before = capture(*db);

  CliOptions answer_yes;
  answer_yes.input = "y\n";  // stdin is a pipe, not a terminal: still no prompt
  for (const CliOptions& options : {CliOptions{}, answer_yes}) {
    INFO("stdin: '" << options.input << "'");
    CliResult run = project.run({"up"}, db.get(), options);
    CHECK_EXIT(run, 2);
    CHECK_THAT(run.err, Catch::Contains("--yes"));
    CHECK(capture(*db) == before);

    run = project.run({"up", "app"}, db.get(), options);
    CHECK_EXIT(run, 2);
    CHECK(capture(*db) == before);

    run = project.run({"down", "app"}, db.get(), options);
    CHECK_EXIT(run, 2);
    CHECK_THAT(run.err, Catch::Contains("--yes"));
    CHECK(capture(*db) == before);

    run = project.run({"down", "app", "--all"}, db.get(), options);
    CHECK_EXIT(run, 2);
    CHECK(capture(*db) == before);
  }
  CHECK(db->user_tables() == Tables{"alpha"});

  // Nothing to do needs no confirmation.
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  const CliResult idle = project.run({"up"}, db.get());
  CHECK_EXIT(idle, 0);
}

TEST_CASE("history lists applied revisions with their time and pending ones, current prints the head",
          "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  project.add_table(3, "gamma");

  CliResult current = project.run({"current"}, db.get());
  CHECK_EXIT(current, 0);
  CHECK_THAT(current.out, Catch::Contains("base"));

  REQUIRE_EXIT(project.run({"up", "app", "--to", "0002", "--yes"}, db.get()), 0);

  const std::regex timestamp(R"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"history"}, std::vector<std::string>{"history", "app"}}) {
    const CliResult history = project.run(args, db.get());
    REQUIRE_EXIT(history, 0);
    INFO(history.out);
    int seen = 0;
    for (const std::string& line : lines_of(history.out)) {
      if (contains(line, "0001_create_alpha") || contains(line, "0002_create_beta")) {
        ++seen;
        CHECK(std::regex_search(line, timestamp));
        CHECK_THAT(line, !Catch::Contains("pending"));
      } else if (contains(line, "0003_create_gamma")) {
        ++seen;
        CHECK_THAT(line, Catch::Contains("pending"));
        CHECK_FALSE(std::regex_search(line, timestamp));
      }
    }
    CHECK(seen == 3);
  }

  const CliResult json = project.run({"--json", "history"}, db.get());  // global option first
  REQUIRE_EXIT(json, 0);
  const nlohmann::json document = parse_json(json);
  INFO(document.dump(2));
  CHECK(document["success"] == true);
  const nlohmann::json& entries = document["services"]["app"];
  REQUIRE(entries.is_array());
  REQUIRE(entries.size() == 3u);
  CHECK(entries[0]["version"] == "0001");
  CHECK(entries[0]["name"] == "create_alpha");
  CHECK(entries[0]["state"] == "applied");
  REQUIRE(entries[0]["applied_at"].is_string());
  CHECK(std::regex_search(entries[0]["applied_at"].get<std::string>(), timestamp));
  CHECK(entries[1]["state"] == "applied");
  CHECK(entries[2]["version"] == "0003");
  CHECK(entries[2]["state"] == "pending");
  CHECK(entries[2]["applied_at"].is_null());

  current = project.run({"current"}, db.get());
  CHECK_EXIT(current, 0);
  CHECK_THAT(current.out, Catch::Contains("0002"));
  CHECK_THAT(current.out, !Catch::Contains("0003"));
  current = project.run({"current", "app", "--json"}, db.get());
  CHECK_EXIT(current, 0);
  CHECK(parse_json(current)["app"] == "0002");
}

TEST_CASE("dialect variants and multi-statement bodies ($$ functions, trigger blocks) go up and down",
          "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.write("0001_counters.up.postgres.sql", R"sql(
CREATE TABLE counters (id INTEGER PRIMARY KEY, hits INTEGER NOT NULL DEFAULT 0, touched TEXT);
CREATE FUNCTION touch_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.touched := 'touched; by plpgsql';
  RETURN NEW;
END;
$$;
CREATE TRIGGER counters_touch BEFORE UPDATE ON counters FOR EACH ROW EXECUTE FUNCTION touch_counter();
INSERT INTO counters (id) VALUES (1);
)sql");
  project.write("0001_counters.down.postgres.sql",
                "DROP TRIGGER counters_touch ON counters;\nDROP FUNCTION touch_counter();\nDROP TABLE counters;\n");
  project.write("0001_counters.up.sqlite.sql", R"sql(
CREATE TABLE counters (id INTEGER PRIMARY KEY, hits INTEGER NOT NULL DEFAULT 0, touched TEXT);
CREATE TRIGGER counters_touch AFTER UPDATE OF hits ON counters FOR EACH ROW
BEGIN
  UPDATE counters SET touched = 'touched; by sqlite' WHERE id = NEW.id;
END;
INSERT INTO counters (id) VALUES (1);
)sql");
  project.write("0001_counters.down.sqlite.sql", "DROP TRIGGER counters_touch;\nDROP TABLE counters;\n");

  const CliResult up = project.run({"up", "--yes"}, db.get());
  REQUIRE_EXIT(up, 0);
  db->exec("UPDATE counters SET hits = hits + 1 WHERE id = 1");
  CHECK(db->scalar("SELECT touched FROM counters WHERE id = 1") ==
        (dialect == Dialect::postgres ? "touched; by plpgsql" : "touched; by sqlite"));
  CHECK_THAT(db->schema(), Catch::Contains("counters_touch"));

  const CliResult down = project.run({"down", "app", "--yes"}, db.get());
  REQUIRE_EXIT(down, 0);
  CHECK(db->user_tables().empty());
  CHECK_THAT(db->schema(), !Catch::Contains("counters_touch"));
  CHECK_THAT(db->schema(), !Catch::Contains("touch_counter"));
  CHECK(db->history("app").empty());
}
