// The audit log on a full disk, on a real small tmpfs: a revision that committed always
// gets its audit line (from the log's reserve) or an error that names it, and no further
// revision starts; a disk with no room for the reserve stops a command before any change.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "integration/integration_support.hpp"
#include "migrate/audit/audit_log.hpp"
#include "migrate/config/database_url.hpp"
#include "migrate/db/driver.hpp"
#include "migrate/orchestrate/audit_observer.hpp"
#include "migrate/run/runner.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/sha256.hpp"

namespace migrate::itest {
namespace {

// A tmpfs of `size` mounted on a fresh folder for the scope. Mounting needs root, as the
// test suite runs (see CliOptions::unprivileged in support/child_process.hpp).
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& size) {
    if (::mount("tmpfs", m_dir.path().c_str(), "tmpfs", 0, ("size=" + size + ",mode=0755").c_str()) != 0) {
      FAIL("cannot mount a tmpfs on " << m_dir.path() << ": " << std::strerror(errno)
                                      << " (the disk-full tests need root)");
    }
  }
  ~SmallDisk() { ::umount2(m_dir.path().c_str(), MNT_DETACH); }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  const fs::path& path() const { return m_dir.path(); }

  /// Writes a filler file until the disk is full, to the last byte.
  void fill() const {
    const int fd = ::open((path() / "filler").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    const std::string block(4096, 'f');
    for (std::size_t chunk : {block.size(), std::size_t{1}}) {
      while (::write(fd, block.data(), chunk) > 0) {
      }
    }
    ::close(fd);
  }

  /// Leaves about `bytes` free.
  void fill_leaving(std::size_t bytes) const {
    fill();
    const auto size = fs::file_size(path() / "filler");
    fs::resize_file(path() / "filler", size > bytes ? size - bytes : 0);
  }

 private:
  test::TempDir m_dir;
};

// Revision names long enough that each audit line needs a page of its own on the tmpfs.
Revision long_revision(Version version) {
  const std::string name = "t" + std::to_string(version) + "_" + std::string(4200, 'x');
  const std::string sql = "CREATE TABLE t" + std::to_string(version) + " (id INTEGER);\n";
  Revision revision;
  revision.version = version;
  revision.name = name;
  revision.kind = RevisionKind::sql;
  revision.up = {format_version(version) + "_" + name + ".up.sql", sql, {}};
  revision.checksum = util::sha256_hex(sql);
  return revision;
}

// Fills the disk when revision `at` has committed, before the audit observer writes its
// line; with `take_reserve`, also removes the log's reserve first (as if the reserve
// could not help: a file size limit, another writer that took the space).
class DiskFiller final : public run::RunObserver {
 public:
  DiskFiller(const SmallDisk& disk, Version at, bool take_reserve)
      : m_disk(disk), m_at(at), m_take_reserve(take_reserve) {}
  void step_finished(const std::string&, const Revision& revision, run::Direction,
                     std::chrono::milliseconds) override {
    if (revision.version != m_at) return;
    if (m_take_reserve) {
      for (const auto& entry : fs::directory_iterator(m_disk.path())) {
        if (entry.path().filename().string().find(".reserve-") != std::string::npos) fs::remove(entry.path());
      }
    }
    m_disk.fill();
  }

 private:
  const SmallDisk& m_disk;
  Version m_at;
  bool m_take_reserve;
};

run::RunSettings settings() {
  run::RunSettings result;
  result.lock.holder = "runner@test:1";
  result.lock.wait = std::chrono::milliseconds(2000);
  result.lock.poll_interval = std::chrono::milliseconds(20);
  result.applied_by = "tester@host";
  return result;
}

std::set<std::string> applied_in_log(const fs::path& log) {
  std::set<std::string> versions;
  const std::string text = test::slurp(log);
  CHECK((text.empty() || text.back() == '\n'));
  for (const std::string& line : split_lines(text)) {
    const nlohmann::json event = nlohmann::json::parse(line);
    if (event.at("event") == "apply") versions.insert(event.at("version").get<std::string>());
  }
  return versions;
}

std::set<std::string> applied_in_database(test::TestDatabase& db) {
  std::set<std::string> versions;
  for (const std::string& row : db.history("app")) versions.insert(format_version(std::stoll(row.substr(0, row.find(':')))));
  return versions;
}

}  // namespace

TEST_CASE("a full disk between audit lines: every committed revision is audited or named, and the run stops",
          "[integration][audit][diskfull]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  const bool reserve_helps = GENERATE(true, false);
  INFO(to_string(dialect) << (reserve_helps ? ", with the reserve" : ", with the reserve gone"));
  const SmallDisk disk("2m");
  const auto db = test::make_test_database(dialect);
  const auto driver = db::open_driver(config::parse_database_url(db->url(), "/", "test"), db::OpenMode::read_write);
  ServiceRevisions service{"app", {}};
  for (Version version = 1; version <= 6; ++version) service.revisions.push_back(long_revision(version));

  const fs::path log_path = disk.path() / "migration-audit.log";
  audit::AuditLog log(log_path, "up", "u", "h", {});
  orchestrate::AuditObserver audit_observer(log);
  DiskFiller filler(disk, 2, /*take_reserve=*/!reserve_helps);
  run::ObserverList observers;
  observers.add(filler);
  observers.add(audit_observer);

  std::string message;
  try {
    run::run_up(*driver, service, {}, settings(), observers);
    FAIL("the run went on with a full disk");
  } catch (const Error& e) {
    message = e.what();
    CHECK(e.code() == ExitCode::failed);
  }
  INFO("error: " << message);
  const std::set<std::string> committed = applied_in_database(*db);
  const std::set<std::string> audited = applied_in_log(log_path);
  CHECK(committed.count("0001") == 1);
  CHECK(committed.count("0002") == 1);
  CHECK(committed.size() < 6);
  if (reserve_helps) {
    CHECK(audited == committed);
    CHECK(log.reserve_spent());
    const std::string next = format_version(static_cast<Version>(committed.size() + 1));
    CHECK_THAT(message, Catch::Contains("is full: stopped before applying revision " + next + "_t"));
  } else {
    CHECK(audited == std::set<std::string>{"0001"});
    for (const std::string& version : committed) {
      if (audited.count(version) == 0) CHECK_THAT(message, Catch::Contains(version + "_t"));
    }
    CHECK_THAT(message, Catch::Contains("committed, but"));
    CHECK_THAT(message, Catch::Contains("No space left on device"));
    CHECK_THAT(message, !Catch::Contains("nothing further was done"));
  }
}

TEST_CASE("a disk with no room for the audit log's reserve stops up before any change",
          "[integration][audit][diskfull]") {
  const SmallDisk disk("1m");
  const auto db = test::make_test_database(Dialect::sqlite);
  Project project("[services.app]\nmigrations = \"services/app/migrations\"\n");
  project.set_manifest("[defaults]\naudit_log = \"" + (disk.path() / "migration-audit.log").string() +
                       "\"\n\n[services.app]\nmigrations = \"services/app/migrations\"\n");
  project.add("app", 1, "items", "CREATE TABLE items (id INTEGER);\n", "DROP TABLE items;\n");
  disk.fill_leaving(64 * 1024);
  const test::CliResult result = project.run({"up", "--yes", "--no-backup", "--database-url", db->url()});
  INFO(describe(result));
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, Catch::Contains("cannot hold 256 KiB of disk space in reserve beside the audit log"));
  CHECK(db->history("app").empty());
  CHECK(db->user_tables().empty());
}

TEST_CASE("a backup that runs out of disk stops up before any change and leaves no file behind",
          "[integration][backup][diskfull][postgres]") {
  for (const Dialect dialect : {Dialect::sqlite, Dialect::postgres}) {
    INFO("dialect " << to_string(dialect));
    const SmallDisk disk("512k");
    const auto db = test::make_test_database(dialect);
    // About 2 MB of rows: more than the backup folder's disk holds.
    db->exec("CREATE TABLE payload (id INTEGER PRIMARY KEY, body TEXT)");
    for (int chunk = 0; chunk < 8; ++chunk) {
      std::string insert = "INSERT INTO payload (id, body) VALUES ";
      for (int i = 0; i < 64; ++i) {
        const int id = chunk * 64 + i;
        insert += (i == 0 ? "" : ", ") + std::string("(") + std::to_string(id) + ", '" + std::string(4096, 'p') + "')";
      }
      db->exec(insert);
    }
    Project project("[services.app]\nmigrations = \"services/app/migrations\"\n");
    project.set_manifest("[defaults]\nbackup_dir = \"" + (disk.path() / "backups").string() +
                         "\"\naudit_log = \"migration-audit.log\"\n\n[services.app]\nmigrations = "
                         "\"services/app/migrations\"\n");
    project.add("app", 1, "items", "CREATE TABLE items (id INTEGER);\n", "DROP TABLE items;\n");
    const test::CliResult result = project.run({"up", "--yes", "--database-url", db->url()});
    INFO(describe(result));
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.err, Catch::Contains("backup of") && Catch::Contains("nothing was changed"));
    CHECK(db->history("app").empty());
    CHECK(db->user_tables() == std::vector<std::string>{"payload"});
    // No backup, no hidden partial file, no SQLite journal: nothing that looks like a backup.
    std::vector<std::string> left;
    std::error_code ec;
    for (fs::directory_iterator it(disk.path() / "backups", ec), end; !ec && it != end; it.increment(ec)) {
      left.push_back(it->path().filename().string());
    }
    CHECK(left.empty());
  }
}

}  // namespace migrate::itest
