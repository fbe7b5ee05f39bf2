// Revisions loaded without their text (as every command loads them): the runner reads each
// file just before it runs and refuses one changed since the run was planned, after the
// revisions before it committed and before anything of it ran.
#include <catch2/catch.hpp>

#include <fstream>

#include "conformance/conformance_support.hpp"
#include "migrate/run/runner.hpp"
#include "migrate/source/revision_directory.hpp"
#include "migrate/util/error.hpp"
#include "support/temp_dir.hpp"

using migrate::Dialect;
using migrate::Revision;
using migrate::ServiceRevisions;
using migrate::test::make_test_database;
using migrate::test::open_test_driver;
using migrate::test::settings;

namespace {

// After a given revision finishes, rewrites another revision's file.
class RewritingObserver final : public migrate::run::RunObserver {
 public:
  RewritingObserver(migrate::Version after, std::filesystem::path file, std::string content)
      : m_after(after), m_file(std::move(file)), m_content(std::move(content)) {}
  void step_finished(const std::string&, const Revision& revision, migrate::run::Direction,
                     std::chrono::milliseconds) override {
    if (revision.version != m_after) return;
    std::ofstream out(m_file, std::ios::binary | std::ios::trunc);
    out << m_content;
  }

 private:
  migrate::Version m_after;
  std::filesystem::path m_file;
  std::string m_content;
};

}  // namespace

TEST_CASE("a revision file changed after the run was planned is refused before it runs",
          "[conformance][postgres][sqlite]") {
  const Dialect dialect = GENERATE(Dialect::postgres, Dialect::sqlite);
  INFO("dialect: " << migrate::to_string(dialect));
  auto database = make_test_database(dialect);
  auto driver = open_test_driver(*database);
  migrate::test::TempDir dir;
  // The first runs alone (no transaction), so the second is read after it finished.
  dir.write("0001_alpha.up.sql", "-- migrate:no-transaction\nCREATE TABLE alpha (id INTEGER);\n");
  const auto second = dir.write("0002_beta.up.sql", "CREATE TABLE beta (id INTEGER);\n");
  dir.write("0003_gamma.up.sql", "CREATE TABLE gamma (id INTEGER);\n");
  migrate::source::LoadOptions options;
  options.keep_text = false;
  const ServiceRevisions service{"svc", migrate::source::load_revisions(dir.path(), dialect, "svc", {}, options)};
  REQUIRE(service.revisions.size() == 3);
  for (const Revision& revision : service.revisions) {
    CHECK(revision.up.deferred);
    CHECK(revision.up.sql.empty());
  }

  SECTION("unchanged: every file is read as it comes, and runs") {
    migrate::test::RecordingObserver observer;
    CHECK(migrate::run::run_up(*driver, service, {}, settings(), observer).size() == 3);
    CHECK(database->user_tables() == std::vector<std::string>{"alpha", "beta", "gamma"});
  }
  SECTION("changed after planning: refused, nothing of it ran") {
    RewritingObserver observer(1, second, "CREATE TABLE evil (id INTEGER);\n");
    try {
      migrate::run::run_up(*driver, service, {}, settings(), observer);
      FAIL("the changed file ran");
    } catch (const migrate::BlockedError& e) {
      CHECK_THAT(e.what(), Catch::Contains("0002_beta.up.sql") && Catch::Contains("changed after migrate checked"));
    }
    CHECK(database->user_tables() == std::vector<std::string>{"alpha"});
    CHECK(database->history("svc") == std::vector<std::string>{"1:alpha"});
  }
}
