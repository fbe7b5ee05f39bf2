// BackupStore: names, listing newest first, the -N suffix within one second, retention,
// and files that belong to nobody (or to another service) left alone.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "integration/integration_support.hpp"
#include "migrate/backup/backup_store.hpp"

namespace migrate::itest {

namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

// 2026-11-21T05:41:41Z
system_clock::time_point at(long offset_seconds = 0) {
  return system_clock::time_point(seconds(1795239701L + offset_seconds));
}

void touch(const fs::path& path, const std::string& content = "backup") {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

std::vector<std::string> names(const std::vector<backup::BackupFile>& files) {
  std::vector<std::string> out;
  for (const backup::BackupFile& file : files) out.push_back(file.path.filename().string());
  return out;
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("backup_timestamp is the UTC second as YYYYMMDDTHHMMSSZ", "[integration][backup_store]") {
  CHECK(backup::backup_timestamp(at()) == "20261121T054141Z");
  CHECK(backup::backup_timestamp(at() + std::chrono::milliseconds(999)) == "20261121T054141Z");
  CHECK(backup::backup_timestamp(at(1)) == "20261121T054142Z");
  CHECK(backup::backup_timestamp(system_clock::time_point(seconds(0))) == "19700101T000000Z");
}

TEST_CASE("BackupStore::new_path names <service>_<stamp>.<ext> and adds -2, -3 within one second",
          "[integration][backup_store]") {
  const test::TempDir dir;
  const backup::BackupStore store(dir.path() / "migration-backups");
  CHECK(store.dir() == dir.path() / "migration-backups");

  const fs::path first = store.new_path("dashboard", ".sql", at());
  CHECK(first == dir.path() / "migration-backups" / "dashboard_20261121T054141Z.sql");
  {
    INFO("new_path only names a file; it creates nothing");
    CHECK_FALSE(fs::exists(dir.path() / "migration-backups"));
  }

  touch(first);
  const fs::path second = store.new_path("dashboard", ".sql", at());
  CHECK(second.filename() == "dashboard_20261121T054141Z-2.sql");
  touch(second);
  CHECK(store.new_path("dashboard", ".sql", at()).filename() == "dashboard_20261121T054141Z-3.sql");

  SECTION("another service's files do not count") {
    CHECK(store.new_path("dash", ".sql", at()).filename() == "dash_20261121T054141Z.sql");
    CHECK(store.new_path("dashboard-old", ".sql", at()).filename() == "dashboard-old_20261121T054141Z.sql");
  }
  SECTION("a backup in another format within the same second sorts as the newest") {
    // A plain backup then a custom one in one second: `backups` and `restore` (newest by
    // default) must see the custom one as the newer.
    const fs::path custom = store.new_path("dashboard", ".dump", at());
    touch(custom);
    const auto files = store.list("dashboard");
    REQUIRE(files.size() == 3);
    CHECK(files.front().path == custom);
    store.prune("dashboard", 1);
    CHECK(fs::exists(custom));
  }
  SECTION("the next second starts without a suffix") {
    CHECK(store.new_path("dashboard", ".sql", at(1)).filename() == "dashboard_20261121T054142Z.sql");
  }
}

TEST_CASE("BackupStore::new_path within one second sorts after every backup of that second, even after pruning",
          "[integration][backup_store]") {
  // Three runs in one second took dash_<stamp>.sql, -2 and -3; prune(keep 2) removed the
  // first. A fourth backup in that second must become the newest, not take the freed name.
  const test::TempDir dir;
  const backup::BackupStore store(dir.path());
  for (int run = 0; run < 3; ++run) touch(store.new_path("dash", ".sql", at()));
  CHECK(store.prune("dash", 2).size() == 1);
  const fs::path next = store.new_path("dash", ".sql", at());
  CHECK(next.filename() != "dash_20261121T054141Z.sql");
  touch(next);
  store.prune("dash", 2);
  INFO("the backup just taken must survive retention");
  CHECK(fs::exists(next));
  CHECK(names(store.list("dash")).front() == next.filename().string());
}

TEST_CASE("BackupStore::list returns the service's backups newest first, with sizes",
          "[integration][backup_store]") {
  const test::TempDir dir;
  const fs::path folder = dir.path() / "b";
  const backup::BackupStore store(folder);

  SECTION("a missing folder lists nothing") { CHECK(store.list("dashboard").empty()); }

  SECTION("ordering by time, then by the -N suffix numerically") {
    touch(folder / "dashboard_20261121T054141Z.sql", "12345");
    touch(folder / "dashboard_20261121T054141Z-2.sql");
    touch(folder / "dashboard_20261121T054141Z-10.sql");
    touch(folder / "dashboard_20261120T235959Z.dump");
    touch(folder / "dashboard_20261121T054142Z.sqlite3");
    touch(folder / "dashboard_20251231T000000Z.sql");

    const auto files = store.list("dashboard");
    CHECK(names(files) == std::vector<std::string>{
                              "dashboard_20261121T054142Z.sqlite3",
                              "dashboard_20261121T054141Z-10.sql",
                              "dashboard_20261121T054141Z-2.sql",
                              "dashboard_20261121T054141Z.sql",
                              "dashboard_20261120T235959Z.dump",
                              "dashboard_20251231T000000Z.sql",
                          });
    REQUIRE(files.size() == 6);
    CHECK(files[3].size == 5);
    CHECK(files[3].service == "dashboard");
    CHECK(files[3].timestamp == "20261121T054141Z");
    CHECK(files[1].timestamp == "20261121T054141Z");
    CHECK(files[0].path == folder / "dashboard_20261121T054142Z.sqlite3");
  }

  SECTION("names that are not this service's backups are not listed") {
    touch(folder / "dash_20261121T054141Z.sql");
    touch(folder / "dashboard_20261121T054141Z.sql");
    touch(folder / "dashboard_20261121T054140Z.sql");
    touch(folder / "dashboard-old_20261121T054141Z.sql");
    touch(folder / "dash_board_20261121T054141Z.sql");
    touch(folder / ".dash_20261121T054143Z.sql.partial");
    touch(folder / "dash_20261121T054143Z.sql.partial");
    touch(folder / "dash_20261121T054143Z.txt");
    touch(folder / "dash_20261121T054143Z");
    touch(folder / "dash_2026112T054143Z.sql");
    touch(folder / "dash_20261121X054143Z.sql");
    touch(folder / "dash_20261121T054143Z-.sql");
    touch(folder / "dash_20261121T054143Z-x.sql");
    touch(folder / "dash_20261121T054143Z.sql.bak");
    touch(folder / "notes.txt");
    fs::create_directories(folder / "dash_20261121T054144Z.sql");

    CHECK(names(store.list("dash")) == std::vector<std::string>{"dash_20261121T054141Z.sql"});
    CHECK(names(store.list("dashboard")) ==
          std::vector<std::string>{"dashboard_20261121T054141Z.sql", "dashboard_20261121T054140Z.sql"});
    CHECK(names(store.list("dash_board")) == std::vector<std::string>{"dash_board_20261121T054141Z.sql"});
    CHECK(names(store.list("dashboard-old")) == std::vector<std::string>{"dashboard-old_20261121T054141Z.sql"});
  }
}

TEST_CASE("BackupStore::prune keeps exactly the N newest of one service and touches nothing else",
          "[integration][backup_store]") {
  const test::TempDir dir;
  const fs::path folder = dir.path() / "b";
  const backup::BackupStore store(folder);
  // Five dash backups, two of them within one second.
  const std::vector<std::string> dash{
      "dash_20261121T054145Z.sql",    // newest
      "dash_20261121T054144Z-2.sql",  //
      "dash_20261121T054144Z.dump",   //
      "dash_20261121T054143Z.sql",    //
      "dash_20261121T054141Z.sql",    // oldest
  };
  for (const std::string& name : dash) touch(folder / name);
  const std::vector<std::string> others{
      "dashboard_20201121T054141Z.sql",   "dashboard_20201121T054142Z.sql", "dash-board_20201121T054141Z.sql",
      ".dash_20201121T054141Z.sql.partial", "dash_notes.txt",                "README",
  };
  for (const std::string& name : others) touch(folder / name);

  SECTION("keep 3") {
    const auto removed = store.prune("dash", 3);
    std::vector<std::string> removed_names;
    for (const fs::path& path : removed) removed_names.push_back(path.filename().string());
    std::sort(removed_names.begin(), removed_names.end());
    CHECK(removed_names == std::vector<std::string>{"dash_20261121T054141Z.sql", "dash_20261121T054143Z.sql"});
    CHECK(names(store.list("dash")) == std::vector<std::string>(dash.begin(), dash.begin() + 3));
  }
  SECTION("keep 1") {
    CHECK(store.prune("dash", 1).size() == 4);
    CHECK(names(store.list("dash")) == std::vector<std::string>{"dash_20261121T054145Z.sql"});
  }
  SECTION("keep more than there are") {
    CHECK(store.prune("dash", 10).empty());
    CHECK(names(store.list("dash")) == dash);
  }
  SECTION("pruning twice is stable") {
    store.prune("dash", 2);
    CHECK(store.prune("dash", 2).empty());
    CHECK(names(store.list("dash")) == std::vector<std::string>(dash.begin(), dash.begin() + 2));
  }
  SECTION("another service is pruned on its own") {
    CHECK(store.prune("dashboard", 1).size() == 1);
    CHECK(names(store.list("dashboard")) == std::vector<std::string>{"dashboard_20201121T054142Z.sql"});
    CHECK(names(store.list("dash")) == dash);
  }

  // Whatever was pruned, no file of another service or of nobody was touched.
  const auto left = entries(folder);
  for (const std::string& name : others) {
    if (name == "dashboard_20201121T054141Z.sql") continue;  // pruned in one section
    INFO(name);
    CHECK(std::find(left.begin(), left.end(), name) != left.end());
  }
}

}  // namespace migrate::itest
