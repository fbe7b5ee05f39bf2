// A runner killed while pg_dump writes its backup leaves the hidden partial file behind; the
// next backup of the same service in the same second must still be taken (found by the
// crash harness: the next `migrate up` failed with "cannot write a backup ...: File exists").
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "integration/integration_support.hpp"
#include "migrate/backup/backup.hpp"
#include "migrate/backup/backup_store.hpp"

namespace migrate::itest {

namespace {

// A `pg_dump` that writes half a dump into its --file and then SIGKILLs the process that
// started it, as if that runner died mid-backup.
void write_killing_pg_dump(const test::TempDir& dir) {
  const fs::path script = dir.write("bin/pg_dump",
                                    "#!/bin/sh\n"
                                    "if [ \"$1\" = \"--version\" ]; then echo 'pg_dump (PostgreSQL) 99.0'; exit 0; fi\n"
                                    "for a in \"$@\"; do case \"$a\" in --file=*) "
                                    "printf -- '-- half a dump\\n' > \"${a#--file=}\";; esac; done\n"
                                    "kill -9 $PPID\n");
  fs::permissions(script, fs::perms::owner_all);
}

std::vector<std::string> hidden_entries(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind('.', 0) == 0) names.push_back(name);
  }
  return names;
}

}  // namespace

TEST_CASE("a backup killed midway does not stop the next backup of the same second",
          "[integration][backup][postgres]") {
  const auto db = test::make_test_database(Dialect::postgres);
  db->exec("CREATE TABLE kept (id integer); INSERT INTO kept VALUES (7);");
  const test::TempDir dir;
  const config::DatabaseUrl url = config::parse_database_url(db->url(), dir.path(), "test");
  const backup::BackupStore store(dir.path() / "backups");
  const int server_version = std::stoi(db->scalar("SHOW server_version_num"));
  const auto now = std::chrono::system_clock::now();

  write_killing_pg_dump(dir);
  // The runner: a forked copy of this process.
  const int runner_exit = test::run_forked([&] {
    ::setenv("PATH", (dir.path() / "bin").c_str(), 1);
    try {
      backup::take_backup(url, server_version, "app", store, backup::BackupFormat::plain, now);
    } catch (...) {
    }
    return 0;  // not reached: the fake pg_dump kills us
  });
  REQUIRE(runner_exit == 128 + SIGKILL);
  INFO("the killed runner left its partial file");
  REQUIRE(hidden_entries(store.dir()).size() == 1);

  const fs::path taken = backup::take_backup(url, server_version, "app", store, backup::BackupFormat::plain, now);
  CHECK(taken.filename() == "app_" + backup::backup_timestamp(now) + ".sql");
  CHECK(test::slurp(taken).find("-- PostgreSQL database dump complete") != std::string::npos);
}

}  // namespace migrate::itest
