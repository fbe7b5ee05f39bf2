// stamp's and repair's history changes and batch sizing (plan/history_changes.hpp), over
// plain values: no database.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "migrate/plan/history_changes.hpp"
#include "migrate/util/error.hpp"

using migrate::AppliedRevision;
using migrate::Revision;
using migrate::Version;
using Versions = std::vector<Version>;
namespace plan = migrate::plan;

namespace {

Revision revision(Version version, const std::string& name) {
  Revision r;
  r.version = version;
  r.name = name;
  r.checksum = std::string(63, 'a') + std::to_string(version % 10);
  return r;
}

AppliedRevision row(const Revision& r, bool dirty = false) {
  AppliedRevision applied;
  applied.version = r.version;
  applied.name = r.name;
  applied.kind = "sql";
  applied.checksum = r.checksum;
  applied.dirty = dirty;
  return applied;
}

const std::vector<Revision> k_revisions = {revision(1, "a"), revision(2, "b"), revision(3, "c"), revision(4, "d")};

Versions versions(const std::vector<const Revision*>& revisions) {
  Versions out;
  for (const Revision* r : revisions) out.push_back(r->version);
  return out;
}

}  // namespace

TEST_CASE("stamp records what is missing up to the target and removes what is above it", "[unit]") {
  struct Case {
    std::vector<AppliedRevision> history;
    std::optional<Version> target;
    Versions record, remove, unapplied;
  };
  const std::vector<Case> cases = {
      {{}, 2, {1, 2}, {}, {}},                                                        // fresh database
      {{row(k_revisions[0])}, 3, {2, 3}, {}, {}},                                    // catch up
      {{row(k_revisions[0]), row(k_revisions[1]), row(k_revisions[2])}, 1, {}, {2, 3}, {2, 3}},  // back
      {{row(k_revisions[0]), row(k_revisions[1])}, std::nullopt, {}, {1, 2}, {1, 2}},          // base
      {{row(k_revisions[0]), row(k_revisions[1], true)}, 2, {2}, {2}, {}},         // dirty at target: re-recorded
      {{row(k_revisions[0]), row(k_revisions[2], true)}, 1, {}, {3}, {3}},         // dirty above: removed
      {{row(k_revisions[0]), row(k_revisions[1])}, 2, {}, {}, {}},                 // already there
  };
  for (const Case& c : cases) {
    INFO("target " << (c.target ? std::to_string(*c.target) : "base") << ", " << c.history.size() << " rows");
    const plan::StampChanges changes = plan::make_stamp_changes(k_revisions, c.history, c.target);
    CHECK(versions(changes.record) == c.record);
    CHECK(changes.remove == c.remove);
    CHECK(changes.unapplied == c.unapplied);
  }
}

TEST_CASE("stamp refuses a target that names no revision; 0 without a revision 0 is base", "[unit]") {
  CHECK_THROWS_AS(plan::check_stamp_target("app", k_revisions, 7), migrate::UsageError);
  CHECK_NOTHROW(plan::check_stamp_target("app", k_revisions, 0));
  CHECK_NOTHROW(plan::check_stamp_target("app", k_revisions, std::nullopt));
  CHECK_NOTHROW(plan::check_stamp_target("app", k_revisions, 4));
  const std::vector<Revision> with_zero = {revision(0, "init"), revision(1, "a")};
  const plan::StampChanges zero = plan::make_stamp_changes(with_zero, {}, 0);
  CHECK(versions(zero.record) == Versions{0});
  CHECK(plan::make_stamp_changes(with_zero, {row(with_zero[0])}, std::nullopt).remove == Versions{0});
}

TEST_CASE("repair re-records edited or dirty rows from their files and lists rows without files", "[unit]") {
  AppliedRevision edited = row(k_revisions[1]);
  edited.checksum = std::string(64, 'f');
  AppliedRevision renamed = row(k_revisions[2]);
  renamed.name = "old_name";
  AppliedRevision gone;
  gone.version = 9;
  const std::vector<AppliedRevision> history = {row(k_revisions[0]), edited, renamed, row(k_revisions[3], true), gone};
  const plan::RepairChanges changes = plan::make_repair_changes(k_revisions, history);
  REQUIRE(changes.changes.size() == 3);
  CHECK(changes.changes[0].revision->version == 2);
  CHECK(changes.changes[0].rerecorded);
  CHECK_FALSE(changes.changes[0].was_dirty);
  CHECK(changes.changes[1].revision->version == 3);
  CHECK(changes.changes[1].rerecorded);
  CHECK(changes.changes[2].revision->version == 4);
  CHECK(changes.changes[2].was_dirty);
  CHECK_FALSE(changes.changes[2].rerecorded);
  CHECK(changes.missing == Versions{9});
  CHECK(plan::make_repair_changes(k_revisions, {row(k_revisions[0])}).changes.empty());
}

TEST_CASE("batches start at one revision, double while quick, halve when slow, and respect the caps", "[unit]") {
  using std::chrono::milliseconds;
  plan::BatchSizer sizer;
  CHECK(sizer.limit() == 1);
  sizer.finished(milliseconds(10));
  CHECK(sizer.limit() == 2);
  for (int i = 0; i < 20; ++i) sizer.finished(milliseconds(1));
  CHECK(sizer.limit() == plan::BatchSizer::k_max_revisions);
  sizer.finished(milliseconds(70));  // between half the target and the target: unchanged
  CHECK(sizer.limit() == plan::BatchSizer::k_max_revisions);
  sizer.finished(milliseconds(500));
  CHECK(sizer.limit() == plan::BatchSizer::k_max_revisions / 2);
  sizer.refused_at(3);
  CHECK(sizer.limit() == 3);
  sizer.refused_at(0);
  CHECK(sizer.limit() == 1);

  plan::BatchSizer wide;
  for (int i = 0; i < 20; ++i) wide.finished(milliseconds(1));
  CHECK(wide.may_add(0, 0, plan::BatchSizer::k_max_bytes * 2));  // a big revision still runs, alone
  CHECK_FALSE(wide.may_add(1, 10, plan::BatchSizer::k_max_bytes));
  CHECK(wide.may_add(1, 10, 100));
  CHECK_FALSE(wide.may_add(plan::BatchSizer::k_max_revisions, 10, 100));
}
