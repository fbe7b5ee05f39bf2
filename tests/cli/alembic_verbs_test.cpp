// Alembic's words for the dashboard's runbooks: `heads`, `up <service> +N|head|V`,
// `down <service> -N|base|V`, `history --verbose`, against real SQLite files.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cli/cli_fixtures.hpp"

namespace migrate::test {

namespace {

using History = std::vector<std::string>;

const History k_all{"1:create_alpha", "2:create_beta", "3:create_gamma", "4:create_delta"};

History first(std::size_t count) { return History(k_all.begin(), k_all.begin() + static_cast<long>(count)); }

void add_four(const CliProject& project) {
  project.add_table(1, "alpha");
  project.add_table(2, "beta");
  project.add_table(3, "gamma");
  project.add_table(4, "delta");
}

}  // namespace

TEST_CASE("up and down take Alembic's targets after the service", "[cli][alembic]") {
  CliProject project;
  add_four(project);
  const auto db = make_test_database(Dialect::sqlite);
  const auto run = [&](const std::vector<std::string>& args) { return project.run(args, db.get()); };

  CHECK_EXIT(run({"up", "app", "+2", "--yes", "--no-backup"}), 0);
  CHECK(db->history("app") == first(2));
  CHECK_EXIT(run({"up", "+1", "--yes", "--no-backup"}), 0);  // the only service
  CHECK(db->history("app") == first(3));
  CHECK_EXIT(run({"down", "app", "-2", "--yes", "--no-backup"}), 0);
  CHECK(db->history("app") == first(1));
  CHECK_EXIT(run({"up", "app", "0003", "--yes", "--no-backup"}), 0);
  CHECK(db->history("app") == first(3));
  CHECK_EXIT(run({"up", "app", "head", "--yes", "--no-backup"}), 0);
  CHECK(db->history("app") == k_all);
  CHECK_EXIT(run({"down", "-1", "--yes", "--no-backup"}), 0);
  CHECK(db->history("app") == first(3));
  CHECK_EXIT(run({"down", "app", "1", "--yes", "--no-backup"}), 0);
  CHECK(db->history("app") == first(1));
  CHECK_EXIT(run({"down", "app", "base", "--yes", "--no-backup"}), 0);
  CHECK(db->history("app").empty());

  SECTION("a target in the wrong direction, or beside --to/--step, is exit 2 and changes nothing") {
    CHECK_EXIT(run({"up", "app", "+2", "--yes", "--no-backup"}), 0);
    const DatabaseState before = capture(*db);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"up", "app", "base", "--yes"}, {"up", "app", "-1", "--yes"},
          {"down", "app", "+1", "--yes"}, {"down", "app", "head", "--yes"}, {"up", "app", "+0", "--yes"},
          {"up", "app", "+1", "--step", "1", "--yes"}, {"down", "app", "-1", "--all", "--yes"},
          {"up", "app", "next", "--yes"}}) {
      const CliResult refused = run(args);
      INFO(args[1] << " " << args[2] << " " << args[3]);
      CHECK_EXIT(refused, 2);
      CHECK(capture(*db) == before);
    }
    const CliResult wrong = run({"up", "app", "base", "--yes"});
    CHECK(contains(wrong.err, "use `migrate down`"));
  }
}

TEST_CASE("heads names each service's newest revision without opening a database", "[cli][alembic]") {
  CliProject project(manifest_with_defaults(service_toml("app") + service_toml("empty")));
  add_four(project);
  std::filesystem::create_directories(project.migrations("empty"));
  // Nothing listens there: heads must not try.
  const std::vector<std::string> args{"--database-url", "postgresql://nobody:secret@127.0.0.1:1/none"};

  std::vector<std::string> text_args{"heads"};
  text_args.insert(text_args.end(), args.begin(), args.end());
  const CliResult text = project.run(text_args);
  CHECK_EXIT(text, 0);
  CHECK(contains(text.out, "app 0004_create_delta (head)"));
  CHECK(contains(text.out, "empty base (no revisions)"));

  text_args.push_back("--json");
  const nlohmann::json document = parse_json(project.run(text_args));
  CHECK(document["success"] == true);
  CHECK(document["services"]["app"]["version"] == "0004");
  CHECK(document["services"]["app"]["name"] == "create_delta");
  CHECK(document["services"]["empty"].is_null());
}

TEST_CASE("history --verbose shows each revision's file, kind and checksum", "[cli][alembic]") {
  CliProject project;
  add_four(project);
  const auto db = make_test_database(Dialect::sqlite);
  REQUIRE_EXIT(project.run({"up", "app", "+1", "--yes", "--no-backup"}, db.get()), 0);
  const CliResult verbose = project.run({"history", "--verbose"}, db.get());
  CHECK_EXIT(verbose, 0);
  CHECK(contains(verbose.out, "Rev: 0001_create_alpha (applied)"));
  CHECK(contains(verbose.out, "0001_create_alpha.up.sql"));
  CHECK(contains(verbose.out, "Checksum: "));
  CHECK(contains(verbose.out, "Rev: 0002_create_beta (pending)"));
  const nlohmann::json document = parse_json(project.run({"history", "--json"}, db.get()));
  CHECK(contains(document["services"]["app"][0]["file"].get<std::string>(), "0001_create_alpha.up.sql"));
}

}  // namespace migrate::test
