// Reconciling Alembic's alembic_version with imported revisions: the closure over the graph
// the id mapping keeps, unmerged heads, all-digit ids without a mapping, unknown ids.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "migrate/adopt/reconcile.hpp"

using migrate::AppliedRevision;
using migrate::Revision;
using migrate::Version;
using namespace migrate::adopt;

namespace {

std::vector<Revision> revisions(std::initializer_list<Version> versions) {
  std::vector<Revision> out;
  for (Version version : versions) {
    Revision revision;
    revision.version = version;
    revision.name = "r" + std::to_string(version);
    revision.checksum = "sum" + std::to_string(version);
    out.push_back(revision);
  }
  return out;
}

ForeignHistory heads(std::initializer_list<const char*> ids) {
  ForeignHistory history;
  history.tool = Tool::alembic;
  history.table = "alembic_version";
  history.found = true;
  for (const char* id : ids) {
    ForeignRow row;
    row.id = id;
    row.label = std::string("alembic revision ") + id;
    history.rows.push_back(row);
  }
  return history;
}

// a(1) <- b(2) <- d(4, merge of b and c) ; a <- c(3) ; a <- e(5, depends_on c)
AlembicMap graph() {
  AlembicMap map;
  map["a"] = {1, {}, {}};
  map["b"] = {2, {"a"}, {}};
  map["c"] = {3, {"a"}, {}};
  map["d"] = {4, {"b", "c"}, {}};
  map["e"] = {5, {"a"}, {"c"}};
  return map;
}

std::vector<Version> matched(const Reconciliation& result) {
  std::vector<Version> out;
  for (const auto& match : result.matched) out.push_back(match.version);
  return out;
}

}  // namespace

TEST_CASE("alembic: the applied set is the closure of every head over down_revision and depends_on",
          "[adopt][alembic]") {
  struct Row {
    std::vector<const char*> heads;
    std::vector<Version> matched;
    std::vector<Version> pending;
    std::size_t refused;
  };
  const std::vector<Row> table{
      {{"d"}, {1, 2, 3, 4}, {5}, 0},       // a merge: both parents and their root
      {{"b"}, {1, 2}, {3, 4, 5}, 0},       // one branch
      {{"b", "c"}, {1, 2, 3}, {4, 5}, 0},  // unmerged heads
      {{"e"}, {1, 3, 5}, {2, 4}, 0},       // depends_on counts; 2 and 4 are another branch: pending
      {{"zz"}, {}, {1, 2, 3, 4, 5}, 1},    // an id the mapping lacks
  };
  for (const Row& row : table) {
    ForeignHistory history;
    history.tool = Tool::alembic;
    for (const char* id : row.heads) history.rows.push_back(heads({id}).rows.front());
    const Reconciliation result = reconcile(history, revisions({1, 2, 3, 4, 5}), {}, {}, graph());
    INFO("heads " << row.heads.size() << " first " << row.heads.front());
    CHECK(matched(result) == row.matched);
    CHECK(result.pending == row.pending);
    CHECK(result.refused.size() == row.refused);
  }
}

TEST_CASE("alembic: an all-digit id without a mapping counts every revision up to it; one with no file is refused",
          "[adopt][alembic]") {
  Reconciliation result = reconcile(heads({"002"}), revisions({1, 2, 3}), {}, {}, {});
  CHECK(matched(result) == std::vector<Version>{1, 2});
  CHECK(result.pending == std::vector<Version>{3});
  CHECK(result.refused.empty());

  result = reconcile(heads({"009"}), revisions({1, 2, 3}), {}, {}, {});
  REQUIRE(result.refused.size() == 1);
  CHECK(result.refused.front().reason.find("ahead of the code") != std::string::npos);

  // A mapped version whose file is gone.
  result = reconcile(heads({"d"}), revisions({1, 2, 3}), {}, {}, graph());
  REQUIRE(result.refused.size() == 1);
  CHECK(result.refused.front().what == "alembic revision d");
}

TEST_CASE("alembic: adopting twice records nothing new, and migrate's own later work is no disagreement",
          "[adopt][alembic]") {
  std::vector<AppliedRevision> own;
  for (Version version : {1, 2, 3, 4, 6}) {
    AppliedRevision row;
    row.version = version;
    row.name = "r" + std::to_string(version);
    row.checksum = "sum" + std::to_string(version);
    own.push_back(row);
  }
  const Reconciliation result = reconcile(heads({"d"}), revisions({1, 2, 3, 4, 5, 6}), own, {}, graph());
  CHECK(result.matched.empty());
  CHECK(result.already == std::vector<Version>{1, 2, 3, 4});
  CHECK(result.pending == std::vector<Version>{5});
  CHECK(result.refused.empty());
}
