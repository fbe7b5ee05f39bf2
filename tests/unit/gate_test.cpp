// The run gate (plan/gate.hpp): dirty rows and drift block a run, with the way out named.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "migrate/plan/gate.hpp"

using migrate::AppliedRevision;
using migrate::Revision;
using migrate::Version;
namespace plan = migrate::plan;

namespace {

Revision revision(Version version, const std::string& name) {
  Revision r;
  r.version = version;
  r.name = name;
  r.up.path = "/srv/migrations/" + r.label() + ".up.sql";
  r.checksum = std::string(63, 'a') + std::to_string(version % 10);
  return r;
}

AppliedRevision row(const Revision& r, bool dirty = false) {
  AppliedRevision applied;
  applied.version = r.version;
  applied.name = r.name;
  applied.checksum = r.checksum;
  applied.dirty = dirty;
  return applied;
}

const std::vector<Revision> k_revisions = {revision(1, "users"), revision(2, "email"), revision(3, "index")};

}  // namespace

TEST_CASE("the gate lets a clean, drift-free history run", "[unit]") {
  CHECK_FALSE(plan::blocked_reason("app", k_revisions, {}, false));
  CHECK_FALSE(plan::blocked_reason("app", k_revisions, {row(k_revisions[0]), row(k_revisions[1])}, false));
}

TEST_CASE("the gate blocks a dirty service, naming the revision and the way out", "[unit]") {
  struct Case {
    std::vector<AppliedRevision> history;
    std::string expected;
  };
  const std::vector<Case> cases = {
      // The dirty row is the newest: stamp below it.
      {{row(k_revisions[0]), row(k_revisions[1], true)}, "`migrate stamp app 0001`"},
      // The only row: stamp base.
      {{row(k_revisions[0], true)}, "`migrate stamp app base`"},
      // Rows above it: stamp would forget them, so the advice is to delete the row.
      {{row(k_revisions[0]), row(k_revisions[1], true), row(k_revisions[2])},
       "DELETE FROM schema_migrations WHERE service = 'app' AND version = 2"},
  };
  for (const Case& c : cases) {
    const std::optional<std::string> reason = plan::blocked_reason("app", k_revisions, c.history, true);
    REQUIRE(reason);
    CHECK_THAT(*reason, Catch::Contains("is dirty at revision"));
    CHECK_THAT(*reason, Catch::Contains("`migrate repair app`"));
    CHECK_THAT(*reason, Catch::Contains(c.expected));
  }
}

TEST_CASE("the gate blocks drift unless allowed, counting the rest", "[unit]") {
  AppliedRevision edited = row(k_revisions[0]);
  edited.checksum = std::string(64, 'f');
  AppliedRevision gone;
  gone.version = 9;
  gone.name = "removed";
  const std::vector<AppliedRevision> history = {edited, row(k_revisions[1]), gone};
  const std::optional<std::string> reason = plan::blocked_reason("app", k_revisions, history, false);
  REQUIRE(reason);
  CHECK_THAT(*reason, Catch::Contains("0001_users was edited after it was applied"));
  CHECK_THAT(*reason, Catch::Contains("(and 1 more)"));
  CHECK_THAT(*reason, Catch::Contains("--allow-drift"));
  CHECK_FALSE(plan::blocked_reason("app", k_revisions, history, true));
}

TEST_CASE("a dirty row blocks even when drift is allowed", "[unit]") {
  CHECK(plan::blocked_reason("app", k_revisions, {row(k_revisions[0], true)}, true));
}
