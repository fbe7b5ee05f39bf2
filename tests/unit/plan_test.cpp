// Up and down planning, drift and dirty detection over plain values.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "migrate/plan/plan.hpp"
#include "migrate/util/error.hpp"

using migrate::AppliedRevision;
using migrate::BlockedError;
using migrate::Revision;
using migrate::RevisionScript;
using migrate::UsageError;
using migrate::Version;
using migrate::plan::DownTarget;
using migrate::plan::Drift;
using migrate::plan::UpTarget;
using Versions = std::vector<Version>;

namespace plan = migrate::plan;

namespace {

std::string checksum_of(Version version) { return std::string(63, 'a') + std::to_string(version % 10); }

Revision revision(Version version, const std::string& name, bool reversible = true) {
  Revision r;
  r.version = version;
  r.name = name;
  r.up = RevisionScript{"/srv/project/migrations/" + r.label() + ".up.sql", "SELECT 1;", {}};
  if (reversible) r.down = RevisionScript{"/srv/project/migrations/" + r.label() + ".down.sql", "SELECT 1;", {}};
  r.checksum = checksum_of(version);
  return r;
}

AppliedRevision applied(const Revision& r) {
  AppliedRevision row;
  row.version = r.version;
  row.name = r.name;
  row.kind = "sql";
  row.checksum = r.checksum;
  row.applied_at = "2024-01-01T00:00:00Z";
  row.applied_by = "ops@host";
  return row;
}

std::vector<AppliedRevision> applied_versions(const std::vector<Revision>& revisions, const Versions& versions) {
  std::vector<AppliedRevision> history;
  for (Version v : versions) {
    for (const Revision& r : revisions) {
      if (r.version == v) history.push_back(applied(r));
    }
  }
  return history;
}

Versions versions_of(const std::vector<const Revision*>& revisions) {
  Versions versions;
  for (const Revision* r : revisions) versions.push_back(r->version);
  return versions;
}

// 0001 create_users, 0002 add_email, 0003 add_index, 0004 backfill
const std::vector<Revision> k_revisions = {revision(1, "create_users"), revision(2, "add_email"),
                                           revision(3, "add_index"), revision(4, "backfill")};

template <typename Error, typename Function>
std::string error_of(Function&& function) {
  try {
    function();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("the expected error was not thrown");
  return {};
}

}  // namespace

TEST_CASE("pending revisions are those not in the history, ascending", "[unit]") {
  CHECK(versions_of(plan::pending_revisions(k_revisions, {})) == Versions{1, 2, 3, 4});
  CHECK(versions_of(plan::pending_revisions(k_revisions, applied_versions(k_revisions, {1, 3}))) == Versions{2, 4});
  CHECK(plan::pending_revisions(k_revisions, applied_versions(k_revisions, {1, 2, 3, 4})).empty());
}

TEST_CASE("the up plan applies pending revisions in order up to --to and at most --step", "[unit]") {
  struct Case {
    const char* description;
    Versions history;
    UpTarget target;
    Versions expected;
  };
  const Case cases[] = {
      {"everything on a fresh database", {}, {}, {1, 2, 3, 4}},
      {"the rest after a partial run", {1, 2}, {}, {3, 4}},
      {"nothing when up to date", {1, 2, 3, 4}, {}, {}},
      {"up to and including --to", {}, {Version{2}, std::nullopt, false}, {1, 2}},
      {"--to the head", {1}, {Version{4}, std::nullopt, false}, {2, 3, 4}},
      {"--to an applied version does nothing", {1, 2, 3}, {Version{2}, std::nullopt, false}, {}},
      {"--step 1", {1}, {std::nullopt, 1, false}, {2}},
      {"--step larger than what is pending", {1, 2}, {std::nullopt, 10, false}, {3, 4}},
      {"--step 0 applies nothing", {}, {std::nullopt, 0, false}, {}},
      {"--step and --to: whichever stops first", {}, {Version{3}, 2, false}, {1, 2}},
      {"--to and --step: whichever stops first", {}, {Version{2}, 5, false}, {1, 2}},
  };
  for (const Case& c : cases) {
    INFO(c.description);
    const auto result = plan::make_up_plan("dashboard", k_revisions, applied_versions(k_revisions, c.history), c.target);
    CHECK(versions_of(result) == c.expected);
  }
}

TEST_CASE("a pending revision below the applied head blocks up and is named", "[unit]") {
  const auto history = applied_versions(k_revisions, {1, 3});
  const std::string message = error_of<BlockedError>(
      [&] { plan::make_up_plan("dashboard", k_revisions, history, UpTarget{}); });
  CHECK(message.find("'dashboard'") != std::string::npos);
  CHECK(message.find("0002_add_email") != std::string::npos);
  CHECK(message.find("out of order") != std::string::npos);
  CHECK(message.find("--allow-out-of-order") != std::string::npos);

  try {
    plan::make_up_plan("dashboard", k_revisions, history, UpTarget{});
  } catch (const migrate::Error& e) {
    CHECK(e.code() == migrate::ExitCode::blocked);
  }
}

TEST_CASE("a --step limit does not hide an out-of-order revision", "[unit]") {
  const auto history = applied_versions(k_revisions, {1, 3});
  CHECK_THROWS_AS(plan::make_up_plan("dashboard", k_revisions, history, UpTarget{std::nullopt, 1, false}),
                  BlockedError);
}

TEST_CASE("out-of-order revisions are applied in order when allowed", "[unit]") {
  const auto history = applied_versions(k_revisions, {1, 3});
  CHECK(versions_of(plan::make_up_plan("dashboard", k_revisions, history, UpTarget{std::nullopt, std::nullopt, true})) ==
        Versions{2, 4});
  CHECK(versions_of(plan::make_up_plan("dashboard", k_revisions, history, UpTarget{Version{2}, std::nullopt, true})) ==
        Versions{2});
}

TEST_CASE("up --to a version the service does not have is a usage error", "[unit]") {
  const std::string message = error_of<UsageError>(
      [&] { plan::make_up_plan("dashboard", k_revisions, {}, UpTarget{Version{99}, std::nullopt, false}); });
  CHECK(message.find("'dashboard'") != std::string::npos);
  CHECK(message.find("0099") != std::string::npos);
}

TEST_CASE("the down plan rolls back newest first by step, to a version, or all", "[unit]") {
  struct Case {
    const char* description;
    Versions history;
    DownTarget target;
    Versions expected;
  };
  const Case cases[] = {
      {"one step by default", {1, 2, 3}, DownTarget{}, {3}},
      {"two steps", {1, 2, 3}, {DownTarget::Mode::step, 2, 0}, {3, 2}},
      {"every step", {1, 2, 3}, {DownTarget::Mode::step, 3, 0}, {3, 2, 1}},
      {"to a version keeps that version", {1, 2, 3}, {DownTarget::Mode::to, 1, 1}, {3, 2}},
      {"to 0 rolls back everything", {1, 2, 3}, {DownTarget::Mode::to, 1, 0}, {3, 2, 1}},
      {"to the head does nothing", {1, 2, 3}, {DownTarget::Mode::to, 1, 3}, {}},
      {"to a pending version above the head does nothing", {1, 2}, {DownTarget::Mode::to, 1, 4}, {}},
      {"all", {1, 2, 3, 4}, {DownTarget::Mode::all, 1, 0}, {4, 3, 2, 1}},
      {"all with nothing applied", {}, {DownTarget::Mode::all, 1, 0}, {}},
      {"zero steps", {1, 2}, {DownTarget::Mode::step, 0, 0}, {}},
  };
  for (const Case& c : cases) {
    INFO(c.description);
    const auto result =
        plan::make_down_plan("dashboard", k_revisions, applied_versions(k_revisions, c.history), c.target);
    CHECK(versions_of(result) == c.expected);
  }
}

TEST_CASE("the down plan carries the down scripts", "[unit]") {
  const auto result = plan::make_down_plan("dashboard", k_revisions, applied_versions(k_revisions, {1, 2}), DownTarget{});
  REQUIRE(result.size() == 1);
  REQUIRE(result[0]->down);
  CHECK(result[0]->down->path == "/srv/project/migrations/0002_add_email.down.sql");
}

TEST_CASE("plans point at the loaded revisions and never copy them", "[unit]") {
  // A copy per planned revision made a first deploy of thousands of revisions hold them
  // several times over; a plan is the revisions' addresses, in order.
  const auto up = plan::make_up_plan("dashboard", k_revisions, applied_versions(k_revisions, {1}), UpTarget{});
  REQUIRE(up.size() == 3);
  for (std::size_t i = 0; i < up.size(); ++i) CHECK(up[i] == &k_revisions[i + 1]);
  const auto pending = plan::pending_revisions(k_revisions, {});
  REQUIRE(pending.size() == 4);
  CHECK(pending.front() == &k_revisions.front());
  const DownTarget all{DownTarget::Mode::all, 1, 0};
  const auto down = plan::make_down_plan("dashboard", k_revisions, applied_versions(k_revisions, {1, 2, 3}), all);
  REQUIRE(down.size() == 3);
  CHECK(down[0] == &k_revisions[2]);
  CHECK(down[2] == &k_revisions[0]);
}

TEST_CASE("rolling back more than is applied is a usage error", "[unit]") {
  const auto history = applied_versions(k_revisions, {1, 2});
  const std::string message = error_of<UsageError>(
      [&] { plan::make_down_plan("dashboard", k_revisions, history, {DownTarget::Mode::step, 3, 0}); });
  CHECK(message.find("'dashboard'") != std::string::npos);
  CHECK(message.find("2 applied") != std::string::npos);
  CHECK_THROWS_AS(plan::make_down_plan("dashboard", k_revisions, {}, DownTarget{}), UsageError);
}

TEST_CASE("rolling back to an unknown version is a usage error", "[unit]") {
  const auto history = applied_versions(k_revisions, {1, 2});
  const std::string message = error_of<UsageError>(
      [&] { plan::make_down_plan("dashboard", k_revisions, history, {DownTarget::Mode::to, 1, 42}); });
  CHECK(message.find("0042") != std::string::npos);
}

TEST_CASE("an irreversible revision stops the down plan only when it must be passed", "[unit]") {
  const std::vector<Revision> revisions = {revision(1, "create_users"), revision(2, "drop_legacy", false),
                                           revision(3, "add_index")};
  const auto history = applied_versions(revisions, {1, 2, 3});

  CHECK(versions_of(plan::make_down_plan("dashboard", revisions, history, DownTarget{})) == Versions{3});
  CHECK(versions_of(plan::make_down_plan("dashboard", revisions, history, {DownTarget::Mode::to, 1, 2})) ==
        Versions{3});

  const DownTarget passing[] = {{DownTarget::Mode::step, 2, 0}, {DownTarget::Mode::to, 1, 1},
                                {DownTarget::Mode::all, 1, 0}};
  for (const DownTarget& target : passing) {
    INFO("mode " << static_cast<int>(target.mode));
    const std::string message =
        error_of<UsageError>([&] { plan::make_down_plan("dashboard", revisions, history, target); });
    CHECK(message.find("0002_drop_legacy") != std::string::npos);
    CHECK(message.find("irreversible") != std::string::npos);
  }
}

TEST_CASE("a revision whose files are gone cannot be rolled back", "[unit]") {
  std::vector<AppliedRevision> history = applied_versions(k_revisions, {1, 2});
  AppliedRevision gone;
  gone.version = 5;
  gone.name = "vanished";
  gone.checksum = checksum_of(5);
  history.push_back(gone);
  const std::string message =
      error_of<UsageError>([&] { plan::make_down_plan("dashboard", k_revisions, history, DownTarget{}); });
  CHECK(message.find("0005_vanished") != std::string::npos);
  CHECK(message.find("gone") != std::string::npos);
  // --to the gone version itself is a known target: nothing above it to roll back.
  CHECK(plan::make_down_plan("dashboard", k_revisions, history, {DownTarget::Mode::to, 1, 5}).empty());
}

TEST_CASE("no drift when every applied revision matches its file", "[unit]") {
  CHECK(plan::check_drift(k_revisions, applied_versions(k_revisions, {1, 2, 3})).empty());
  CHECK(plan::check_drift(k_revisions, {}).empty());
}

TEST_CASE("an edited applied revision is a checksum mismatch naming its file", "[unit]") {
  auto history = applied_versions(k_revisions, {1, 2, 3});
  history[1].checksum = std::string(64, 'f');
  const auto drift = plan::check_drift(k_revisions, history);
  REQUIRE(drift.size() == 1);
  CHECK(drift[0].kind == Drift::Kind::checksum_mismatch);
  CHECK(drift[0].version == 2);
  CHECK(drift[0].name == "add_email");
  CHECK(drift[0].file == "/srv/project/migrations/0002_add_email.up.sql");
  CHECK(drift[0].recorded == std::string(64, 'f'));
  CHECK(drift[0].actual == checksum_of(2));
  const std::string line = drift[0].describe();
  CHECK(line.find("0002_add_email") != std::string::npos);
  CHECK(line.find("/srv/project/migrations/0002_add_email.up.sql") != std::string::npos);
  CHECK(plan::to_string(drift[0].kind) == "checksum_mismatch");
}

TEST_CASE("an applied revision without files is a missing_file drift", "[unit]") {
  const std::vector<Revision> on_disk = {k_revisions[0], k_revisions[2]};
  const auto drift = plan::check_drift(on_disk, applied_versions(k_revisions, {1, 2, 3}));
  REQUIRE(drift.size() == 1);
  CHECK(drift[0].kind == Drift::Kind::missing_file);
  CHECK(drift[0].version == 2);
  CHECK(drift[0].name == "add_email");
  CHECK(drift[0].file.empty());
  CHECK(drift[0].actual.empty());
  CHECK(drift[0].recorded == checksum_of(2));
  CHECK(drift[0].describe().find("0002_add_email") != std::string::npos);
  CHECK(plan::to_string(drift[0].kind) == "missing_file");
}

TEST_CASE("drift entries come back ascending by version", "[unit]") {
  auto history = applied_versions(k_revisions, {1, 2, 3, 4});
  history[3].checksum = "x";
  history[0].checksum = "y";
  const std::vector<Revision> on_disk = {k_revisions[0], k_revisions[1], k_revisions[3]};
  const auto drift = plan::check_drift(on_disk, history);
  REQUIRE(drift.size() == 3);
  CHECK(drift[0].version == 1);
  CHECK(drift[1].version == 3);
  CHECK(drift[1].kind == Drift::Kind::missing_file);
  CHECK(drift[2].version == 4);
}

TEST_CASE("find_dirty returns the first dirty history row", "[unit]") {
  auto history = applied_versions(k_revisions, {1, 2, 3});
  CHECK_FALSE(plan::find_dirty(history));
  CHECK_FALSE(plan::find_dirty({}));
  history[1].dirty = true;
  history[2].dirty = true;
  const auto dirty = plan::find_dirty(history);
  REQUIRE(dirty);
  CHECK(dirty->version == 2);
  CHECK(dirty->name == "add_email");
}

TEST_CASE("a revision numbered 0 is a revision like any other: applied, kept by --to 0, rolled back by all",
          "[unit]") {
  // drizzle-kit numbers its first migration 0000; "nothing applied" is base, not version 0.
  const std::vector<Revision> revisions = {revision(0, "init"), revision(1, "add_users"), revision(2, "add_index")};
  CHECK(versions_of(plan::make_up_plan("app", revisions, {}, {})) == Versions{0, 1, 2});
  CHECK(versions_of(plan::make_up_plan("app", revisions, {}, {Version{0}, std::nullopt, false})) == Versions{0});
  CHECK(versions_of(plan::make_up_plan("app", revisions, {}, {std::nullopt, 1, false})) == Versions{0});
  CHECK(versions_of(plan::make_up_plan("app", revisions, applied_versions(revisions, {0}), {})) == Versions{1, 2});
  CHECK(plan::make_up_plan("app", revisions, applied_versions(revisions, {0, 1, 2}), {}).empty());

  const auto all = applied_versions(revisions, {0, 1, 2});
  CHECK(versions_of(plan::make_down_plan("app", revisions, all, {DownTarget::Mode::to, 1, 0})) == Versions{2, 1});
  CHECK(versions_of(plan::make_down_plan("app", revisions, all, {DownTarget::Mode::all, 1, 0})) == Versions{2, 1, 0});
  CHECK(versions_of(plan::make_down_plan("app", revisions, all, {DownTarget::Mode::step, 3, 0})) ==
        Versions{2, 1, 0});
  CHECK(versions_of(plan::make_down_plan("app", revisions, applied_versions(revisions, {0}), DownTarget{})) ==
        Versions{0});
  CHECK(plan::check_drift(revisions, all).empty());
}

TEST_CASE("a pending revision 0 below an applied one is out of order", "[unit]") {
  const std::vector<Revision> revisions = {revision(0, "init"), revision(1, "add_users")};
  const auto history = applied_versions(revisions, {1});
  const std::string message =
      error_of<BlockedError>([&] { plan::make_up_plan("app", revisions, history, {}); });
  CHECK(message.find("0000_init") != std::string::npos);
  CHECK(versions_of(plan::make_up_plan("app", revisions, history, {std::nullopt, std::nullopt, true})) ==
        Versions{0});
}
