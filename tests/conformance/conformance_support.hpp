// Shared helpers of the driver conformance suite: opening the driver under test on a
// test database, building history rows and in-memory revisions, checking timestamps.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <iomanip>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "migrate/config/database_url.hpp"
#include "migrate/db/driver.hpp"
#include "migrate/model/revision.hpp"
#include "migrate/run/run_observer.hpp"
#include "migrate/run/runner.hpp"
#include "migrate/source/directives.hpp"
#include "migrate/util/sha256.hpp"
#include "support/test_database.hpp"

namespace migrate::test {

inline constexpr std::chrono::milliseconds k_ten_minutes{600'000};

/// Opens the driver under test on database, through the same URL parsing users go through.
inline std::unique_ptr<db::Driver> open_test_driver(const TestDatabase& database,
                                                    db::OpenMode mode = db::OpenMode::read_write) {
  return db::open_driver(config::parse_database_url(database.url(), "/", "test"), mode);
}

/// Settings for run_up/run_down in tests: a short lock wait and poll, a fixed identity.
inline run::RunSettings settings() {
  run::RunSettings result;
  result.lock.holder = "runner@test:1";
  result.lock.wait = std::chrono::milliseconds(2000);
  result.lock.poll_interval = std::chrono::milliseconds(20);
  result.applied_by = "tester@host";
  return result;
}

/// Takes the lock for holder (creating the bookkeeping tables), as a runner does before
/// it applies anything.
inline void take_lock(db::Driver& driver, const std::string& holder = "conformance@test:1") {
  const LockAttempt attempt = driver.lock().try_lock(holder, k_ten_minutes);
  REQUIRE(attempt.acquired);
}

/// A history row with a valid checksum derived from name.
inline HistoryRow make_row(const std::string& service, Version version, const std::string& name,
                               bool dirty = false) {
  return {service, version, name, "sql", util::sha256_hex(name), "tester@conformance", dirty, {}};
}

/// A revision as a source would produce it, built in memory.
inline Revision make_revision(Version version, const std::string& name, const std::string& up_sql,
                              std::optional<std::string> down_sql = std::nullopt) {
  Revision revision;
  revision.version = version;
  revision.name = name;
  revision.kind = RevisionKind::sql;
  revision.up = {format_version(version) + "_" + name + ".up.sql", up_sql, {}};
  revision.up.directives = source::parse_directives(up_sql, revision.up.path);
  if (down_sql) {
    revision.down = RevisionScript{format_version(version) + "_" + name + ".down.sql", *down_sql, {}};
    revision.down->directives = source::parse_directives(*down_sql, revision.down->path);
  }
  revision.checksum = util::sha256_hex(up_sql);
  return revision;
}

/// Number of rows of a table, through the test's own connection.
inline int count_rows(TestDatabase& database, const std::string& table) {
  return std::stoi(database.scalar("SELECT count(*) FROM " + table));
}

/// True when text is an ISO-8601 UTC timestamp ("2024-05-01T12:00:00.123Z").
inline bool is_iso8601_utc(const std::string& text) {
  static const std::regex pattern(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$)");
  return std::regex_match(text, pattern);
}

/// Seconds between an ISO-8601 UTC timestamp and the system clock (positive: in the past).
inline double seconds_ago(const std::string& iso_utc) {
  std::tm tm{};
  std::istringstream in(iso_utc);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  REQUIRE_FALSE(in.fail());
  return std::difftime(std::time(nullptr), ::timegm(&tm));
}

/// Records the events of a run as one line each ("lock_waiting svc holder", ...).
class RecordingObserver final : public run::RunObserver {
 public:
  std::vector<std::string> events;

  void lock_waiting(const std::string& service, const LockInfo& holder) override {
    events.push_back("lock_waiting " + service + " " + holder.holder);
  }
  void lock_broken(const std::string& service, const LockInfo& dead) override {
    events.push_back("lock_broken " + service + " " + dead.holder);
  }
  void step_started(const std::string& service, const Revision& revision, run::Direction direction) override {
    events.push_back("started " + service + " " + revision.label() + name(direction));
  }
  void step_finished(const std::string& service, const Revision& revision, run::Direction direction,
                     std::chrono::milliseconds /*elapsed*/) override {
    events.push_back("finished " + service + " " + revision.label() + name(direction));
  }
  void step_failed(const std::string& service, const Revision& revision, run::Direction direction,
                   const std::string& /*error*/) override {
    events.push_back("failed " + service + " " + revision.label() + name(direction));
  }

 private:
  static std::string name(run::Direction direction) { return direction == run::Direction::up ? " up" : " down"; }
};

}  // namespace migrate::test
