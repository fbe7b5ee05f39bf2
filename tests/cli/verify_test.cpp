// Checksum drift: `verify`, and `up`/`down` refusing to run on drift, on both dialects.
#include <catch2/catch.hpp>

#include "cli/cli_fixtures.hpp"

using migrate::Dialect;
using namespace migrate::test;
using Tables = std::vector<std::string>;

namespace {

std::string to_crlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

bool is_sha256_hex(const nlohmann::json& value) {
  if (!value.is_string()) return false;
  const std::string text = value.get<std::string>();
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

TEST_CASE("an applied file edited afterwards is drift: verify exits 4 naming it, up refuses unless --allow-drift",
          "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  project.add_table(3, "gamma");

  CliResult verify = project.run({"verify"}, db.get());
  CHECK_EXIT(verify, 0);

  // Edit the applied 0001: still valid SQL, different bytes.
  const auto edited = project.migrations() / "0001_create_alpha.up.sql";
  project.write("0001_create_alpha.up.sql", slurp(edited) + "CREATE INDEX alpha_note ON alpha (note);\n");

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"verify"}, std::vector<std::string>{"verify", "app"}}) {
    verify = project.run(args, db.get());
    CHECK_EXIT(verify, 4);
    CHECK_THAT(verify.out + verify.err, Catch::Contains("0001_create_alpha.up.sql"));
    CHECK_THAT(verify.out + verify.err, !Catch::Contains("0002_create_beta"));
  }

  verify = project.run({"verify", "--json"}, db.get());
  CHECK_EXIT(verify, 4);
  const nlohmann::json document = parse_json(verify);
  INFO(document.dump(2));
  CHECK(document["success"] == false);
  const nlohmann::json& drift = document["services"]["app"]["drift"];
  REQUIRE(drift.is_array());
  REQUIRE(drift.size() == 1u);
  CHECK(drift[0]["version"] == "0001");
  CHECK(drift[0]["name"] == "create_alpha");
  CHECK(drift[0]["kind"] == "checksum_mismatch");
  CHECK_THAT(drift[0]["file"].get<std::string>(), Catch::EndsWith("0001_create_alpha.up.sql"));
  CHECK(is_sha256_hex(drift[0]["recorded_checksum"]));
  CHECK(is_sha256_hex(drift[0]["file_checksum"]));
  CHECK(drift[0]["recorded_checksum"] != drift[0]["file_checksum"]);

  const CliResult st = project.run({"status", "--json"}, db.get());
  CHECK_EXIT(st, 0);
  const nlohmann::json status_document = parse_json(st);
  CHECK(status_document["overall_status"] == "drift");
  CHECK(status_document["services"]["app"]["status"] == "drift");
  CHECK(status_document["services"]["app"]["drift"].size() == 1u);

  // up and down refuse: nothing runs, the pending 0003 stays pending.
  const DatabaseState before = capture(*db);
  CliResult run = project.run({"up", "--yes"}, db.get());
  CHECK_EXIT(run, 4);
  CHECK_THAT(run.err, Catch::Contains("0001_create_alpha.up.sql"));
  CHECK_THAT(run.err, Catch::Contains("--allow-drift"));
  CHECK(capture(*db) == before);
  run = project.run({"down", "app", "--yes"}, db.get());
  CHECK_EXIT(run, 4);
  CHECK(capture(*db) == before);

  run = project.run({"up", "--yes", "--allow-drift"}, db.get());
  CHECK_EXIT(run, 0);
  CHECK(db->history("app") ==
        std::vector<std::string>{"1:create_alpha", "2:create_beta", "3:create_gamma"});
  CHECK(db->user_tables() == Tables{"alpha", "beta", "gamma"});

  // --allow-drift runs past the drift; it does not forgive it.
  verify = project.run({"verify"}, db.get());
  CHECK_EXIT(verify, 4);
}

TEST_CASE("a line-ending-only change, or an edited down file, is not drift", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  // 0002 is applied with CRLF line endings and later converted to LF.
  project.write("0002_create_beta.up.sql",
                to_crlf("CREATE TABLE beta (\n    id INTEGER PRIMARY KEY,\n    note TEXT\n);\n"));
  project.write("0002_create_beta.down.sql", "DROP TABLE beta;\n");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);

  const auto alpha = project.migrations() / "0001_create_alpha.up.sql";
  const std::string lf = slurp(alpha);
  REQUIRE(lf.find('\n') != std::string::npos);
  project.write("0001_create_alpha.up.sql", to_crlf(lf));
  project.write("0002_create_beta.up.sql", "CREATE TABLE beta (\n    id INTEGER PRIMARY KEY,\n    note TEXT\n);\n");
  project.write("0001_create_alpha.down.sql", "DROP TABLE IF EXISTS alpha;\n");
  REQUIRE(slurp(alpha) != lf);

  CliResult verify = project.run({"verify"}, db.get());
  CHECK_EXIT(verify, 0);
  verify = project.run({"verify", "--json"}, db.get());
  CHECK_EXIT(verify, 0);
  const nlohmann::json document = parse_json(verify);
  CHECK(document["success"] == true);
  CHECK(document["services"]["app"]["drift"].empty());

  const CliResult st = project.run({"status", "--json"}, db.get());
  CHECK_EXIT(st, 0);
  check_service_status(parse_json(st), "app", "up_to_date", "0002", "0002", 2, 0);

  project.add_table(3, "gamma");
  const CliResult up = project.run({"up", "--yes"}, db.get());
  CHECK_EXIT(up, 0);
  CHECK(db->user_tables() == Tables{"alpha", "beta", "gamma"});
}
