// Service status summaries, the overall state and the `status --json` document.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "migrate/status/service_status.hpp"

using migrate::AppliedRevision;
using migrate::LockInfo;
using migrate::Revision;
using migrate::RevisionScript;
using migrate::Version;
using migrate::status::ServiceStatus;
using migrate::status::State;
using nlohmann::json;

namespace status = migrate::status;

namespace {

Revision revision(Version version, const std::string& name) {
  Revision r;
  r.version = version;
  r.name = name;
  r.up = RevisionScript{"/srv/project/services/dashboard/migrations/" + r.label() + ".up.sql", "SELECT 1;", {}};
  r.down = RevisionScript{"/srv/project/services/dashboard/migrations/" + r.label() + ".down.sql", "SELECT 1;", {}};
  r.checksum = std::string(63, '0') + std::to_string(version % 10);
  return r;
}

std::vector<Revision> revisions(Version count) {
  std::vector<Revision> out;
  for (Version v = 1; v <= count; ++v) out.push_back(revision(v, "step_" + std::to_string(v)));
  return out;
}

std::vector<AppliedRevision> history_of(const std::vector<Revision>& on_disk, Version count) {
  std::vector<AppliedRevision> history;
  for (Version v = 1; v <= count; ++v) {
    const Revision& r = on_disk[static_cast<std::size_t>(v - 1)];
    AppliedRevision row;
    row.version = r.version;
    row.name = r.name;
    row.kind = "sql";
    row.checksum = r.checksum;
    history.push_back(row);
  }
  return history;
}

ServiceStatus with_state(const std::string& name, State state) {
  ServiceStatus s;
  s.service = name;
  s.state = state;
  return s;
}

}  // namespace

TEST_CASE("state names are the ones of status --json", "[unit]") {
  CHECK(status::to_string(State::up_to_date) == "up_to_date");
  CHECK(status::to_string(State::pending) == "pending");
  CHECK(status::to_string(State::locked) == "locked");
  CHECK(status::to_string(State::drift) == "drift");
  CHECK(status::to_string(State::dirty) == "dirty");
  CHECK(status::to_string(State::error) == "error");
}

TEST_CASE("summarize counts applied and pending revisions and finds the versions", "[unit]") {
  const auto on_disk = revisions(6);
  const ServiceStatus s = status::summarize("dashboard", "sqlite:/srv/project/var/dashboard.db", on_disk,
                                            history_of(on_disk, 4), std::nullopt);
  CHECK(s.service == "dashboard");
  CHECK(s.database == "sqlite:/srv/project/var/dashboard.db");
  CHECK(s.state == State::pending);
  CHECK(s.current == std::optional<Version>(4));
  CHECK(s.latest == std::optional<Version>(6));
  CHECK(s.applied == 4);
  CHECK(s.pending == 2);
  CHECK(s.drift.empty());
  CHECK_FALSE(s.dirty);
  CHECK_FALSE(s.lock);
}

TEST_CASE("summarize picks the most severe state of a service", "[unit]") {
  const auto on_disk = revisions(3);
  struct Case {
    const char* description;
    Version applied;
    bool edit_first;
    bool dirty_last;
    State expected;
  };
  const Case cases[] = {
      {"all applied", 3, false, false, State::up_to_date},
      {"nothing applied", 0, false, false, State::pending},
      {"some pending", 2, false, false, State::pending},
      {"an edited revision beats pending", 2, true, false, State::drift},
      {"a dirty revision beats drift", 2, true, true, State::dirty},
      {"dirty with nothing else wrong", 3, false, true, State::dirty},
  };
  for (const Case& c : cases) {
    INFO(c.description);
    auto history = history_of(on_disk, c.applied);
    if (c.edit_first) history.front().checksum = std::string(64, 'e');
    if (c.dirty_last) history.back().dirty = true;
    const ServiceStatus s = status::summarize("dashboard", "db", on_disk, history, std::nullopt);
    CHECK(s.state == c.expected);
  }
}

TEST_CASE("a lock held by a live runner makes a service locked unless drift, dirty or an error is worse", "[unit]") {
  const auto on_disk = revisions(3);
  const LockInfo lock{"ops@host:42", "2026-12-07 17:00:00", "2026-12-07 17:00:00", 1.0};
  CHECK(status::summarize("s", "db", on_disk, history_of(on_disk, 3), lock, true).state == State::locked);
  CHECK(status::summarize("s", "db", on_disk, history_of(on_disk, 2), lock, true).state == State::locked);
  CHECK(status::summarize("s", "db", on_disk, history_of(on_disk, 2), lock, false).state == State::pending);
  CHECK(status::summarize("s", "db", on_disk, history_of(on_disk, 3), std::nullopt, true).state ==
        State::up_to_date);
  auto drifted = history_of(on_disk, 3);
  drifted.front().checksum = std::string(64, 'e');
  CHECK(status::summarize("s", "db", on_disk, drifted, lock, true).state == State::drift);
  auto dirty = history_of(on_disk, 3);
  dirty.back().dirty = true;
  CHECK(status::summarize("s", "db", on_disk, dirty, lock, true).state == State::dirty);
  const std::vector<ServiceStatus> services = {
      status::summarize("a", "db", on_disk, history_of(on_disk, 2), std::nullopt),
      status::summarize("b", "db", on_disk, history_of(on_disk, 3), lock, true)};
  CHECK(status::overall_state(services) == State::locked);
  CHECK(json::parse(status::status_json(services)).at("overall_status") == "locked");
}

TEST_CASE("a service with no revisions and no history is up to date with no versions", "[unit]") {
  const ServiceStatus s = status::summarize("empty", "db", {}, {}, std::nullopt);
  CHECK(s.state == State::up_to_date);
  CHECK_FALSE(s.current);
  CHECK_FALSE(s.latest);
  CHECK(s.applied == 0);
  CHECK(s.pending == 0);
}

TEST_CASE("a failed status is an error carrying its message", "[unit]") {
  const ServiceStatus s = status::failed_status("dashboard", "postgres://app:***@db/app", "connection refused");
  CHECK(s.state == State::error);
  CHECK(s.error == "connection refused");
  CHECK(s.database == "postgres://app:***@db/app");
}

TEST_CASE("the overall state is the worst of the services' states", "[unit]") {
  struct Case {
    std::vector<State> states;
    State expected;
  };
  const Case cases[] = {
      {{}, State::up_to_date},
      {{State::up_to_date, State::up_to_date}, State::up_to_date},
      {{State::up_to_date, State::pending}, State::pending},
      {{State::drift, State::pending, State::up_to_date}, State::drift},
      {{State::pending, State::dirty, State::drift}, State::dirty},
      {{State::error, State::dirty}, State::error},
      {{State::up_to_date, State::error}, State::error},
  };
  for (const Case& c : cases) {
    std::vector<ServiceStatus> services;
    for (State state : c.states) services.push_back(with_state("s" + std::to_string(services.size()), state));
    INFO("services: " << services.size() << ", expected " << status::to_string(c.expected));
    CHECK(status::overall_state(services) == c.expected);
  }
}

TEST_CASE("status --json has the shape of DESIGN.md", "[unit]") {
  const auto on_disk = revisions(6);
  std::vector<ServiceStatus> services;
  services.push_back(status::summarize("dashboard", "sqlite:/srv/project/var/dashboard.db", on_disk,
                                       history_of(on_disk, 6), std::nullopt));
  services.push_back(status::summarize("stream-bot", "postgres://bot:***@db/bot", on_disk, history_of(on_disk, 4),
                                       migrate::LockInfo{"ops@host:42", "t0", "t1", 1.5}));

  const json document = json::parse(status::status_json(services));
  CHECK(document.at("success") == true);
  CHECK(document.at("overall_status") == "pending");
  CHECK(document.at("total_pending") == 2);
  REQUIRE(document.at("services").is_object());
  CHECK(document.at("services").size() == 2);

  const json& dashboard = document.at("services").at("dashboard");
  CHECK(dashboard.at("status") == "up_to_date");
  CHECK(dashboard.at("current_revision") == "0006");
  CHECK(dashboard.at("latest_revision") == "0006");
  CHECK(dashboard.at("applied") == 6);
  CHECK(dashboard.at("pending") == 0);
  CHECK(dashboard.at("drift") == json::array());
  CHECK(dashboard.at("dirty") == false);

  const json& stream_bot = document.at("services").at("stream-bot");
  CHECK(stream_bot.at("status") == "pending");
  CHECK(stream_bot.at("current_revision") == "0004");
  CHECK(stream_bot.at("latest_revision") == "0006");
  CHECK(stream_bot.at("applied") == 4);
  CHECK(stream_bot.at("pending") == 2);
  CHECK(stream_bot.at("lock_holder") == "ops@host:42");
}

TEST_CASE("status --json lists drift and the dirty flag", "[unit]") {
  const auto on_disk = revisions(3);
  auto history = history_of(on_disk, 3);
  history[1].checksum = std::string(64, 'e');
  auto dirty_history = history_of(on_disk, 3);
  dirty_history[2].dirty = true;
  const std::vector<ServiceStatus> services = {
      status::summarize("drifted", "db", on_disk, history, std::nullopt),
      status::summarize("broken", "db", on_disk, dirty_history, std::nullopt)};

  const json document = json::parse(status::status_json(services));
  CHECK(document.at("overall_status") == "dirty");
  CHECK(document.at("success") == true);
  CHECK(document.at("total_pending") == 0);

  const json& drift = document.at("services").at("drifted").at("drift");
  CHECK(document.at("services").at("drifted").at("status") == "drift");
  REQUIRE(drift.is_array());
  REQUIRE(drift.size() == 1);
  CHECK(drift[0].at("version") == "0002");
  CHECK(drift[0].at("kind") == "checksum_mismatch");
  CHECK(drift[0].at("file") == on_disk[1].up.path.string());

  const json& broken = document.at("services").at("broken");
  CHECK(broken.at("status") == "dirty");
  CHECK(broken.at("dirty") == true);
}

TEST_CASE("status --json of an unreadable service reports failure and null revisions", "[unit]") {
  const std::vector<ServiceStatus> services = {
      status::failed_status("dashboard", "postgres://app:***@db/app", "connection refused")};
  const json document = json::parse(status::status_json(services));
  CHECK(document.at("success") == false);
  CHECK(document.at("overall_status") == "error");
  const json& dashboard = document.at("services").at("dashboard");
  CHECK(dashboard.at("status") == "error");
  CHECK(dashboard.at("current_revision").is_null());
  CHECK(dashboard.at("latest_revision").is_null());
  CHECK(dashboard.at("applied") == 0);
  CHECK(dashboard.at("drift") == json::array());
  CHECK(dashboard.at("dirty") == false);
}

TEST_CASE("status --json of no services is an empty, successful document", "[unit]") {
  const json document = json::parse(status::status_json({}));
  CHECK(document.at("success") == true);
  CHECK(document.at("overall_status") == "up_to_date");
  CHECK(document.at("total_pending") == 0);
  CHECK(document.at("services") == json::object());
}
