// AuditLog used directly: the line format, masking, the file's mode, and whole lines
// when several processes append to one log at once.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "integration/integration_support.hpp"
#include "migrate/audit/audit_log.hpp"
#include "migrate/util/error.hpp"

namespace migrate::itest {

namespace {

const std::vector<std::string> k_fields{"ts",    "user", "host",        "command", "service",
                                        "version", "event", "ok", "duration_ms", "error"};

std::vector<nlohmann::json> read_log(const fs::path& path) {
  std::vector<nlohmann::json> events;
  const std::string text = test::slurp(path);
  REQUIRE((text.empty() || text.back() == '\n'));
  for (const std::string& line : split_lines(text)) {
    INFO("line: " << line);
    nlohmann::json event;
    REQUIRE_NOTHROW(event = nlohmann::json::parse(line));
    events.push_back(std::move(event));
  }
  return events;
}

std::chrono::system_clock::time_point fixed_time() {
  // 2026-11-21T05:41:41.123Z
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(1795239701123LL));
}

}  // namespace

TEST_CASE("iso8601_utc writes UTC with milliseconds", "[integration][audit]") {
  CHECK(audit::iso8601_utc(fixed_time()) == "2026-11-21T05:41:41.123Z");
  CHECK(audit::iso8601_utc(std::chrono::system_clock::time_point(std::chrono::milliseconds(5))) ==
        "1970-01-01T00:00:00.005Z");
}

TEST_CASE("AuditLog writes one JSON object per line with every field, in a 0600 file",
          "[integration][audit]") {
  const test::TempDir dir;
  const fs::path path = dir.path() / "nested" / "folder" / "migration-audit.log";
  {
    audit::AuditLog log(path, "up", "alice", "db-host", {}, fixed_time);
    CHECK(log.path() == path);
    audit::AuditEvent start;
    start.event = "start";
    start.detail = "migrate up";
    log.append(start);

    audit::AuditEvent apply;
    apply.event = "apply";
    apply.service = "dashboard";
    apply.version = 7;
    apply.duration_ms = 42;
    apply.detail = "0007_add_index";
    log.append(apply);

    audit::AuditEvent fail;
    fail.event = "fail";
    fail.service = "dashboard";
    fail.version = 12345;
    fail.ok = false;
    fail.error = "relation \"x\" does not exist\nLINE 1: \"quoted\" \\ and a tab\t";
    log.append(fail);
  }
  struct stat info{};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  const auto events = read_log(path);
  REQUIRE(events.size() == 3);
  for (const nlohmann::json& event : events) {
    for (const std::string& field : k_fields) {
      INFO(event.dump() << " has " << field);
      CHECK(event.contains(field));
    }
    CHECK(event["ts"] == "2026-11-21T05:41:41.123Z");
    CHECK(event["user"] == "alice");
    CHECK(event["host"] == "db-host");
    CHECK(event["command"] == "up");
  }
  CHECK(events[0]["event"] == "start");
  CHECK(events[0]["service"].is_null());
  CHECK(events[0]["version"].is_null());
  CHECK(events[0]["ok"] == true);
  CHECK(events[0]["duration_ms"].is_null());
  CHECK(events[0]["error"].is_null());
  CHECK(events[0]["detail"] == "migrate up");

  CHECK(events[1]["event"] == "apply");
  CHECK(events[1]["service"] == "dashboard");
  CHECK(events[1]["version"] == "0007");
  CHECK(events[1]["duration_ms"] == 42);
  CHECK(events[1]["error"].is_null());

  CHECK(events[2]["event"] == "fail");
  CHECK(events[2]["version"] == "12345");
  CHECK(events[2]["ok"] == false);
  CHECK(events[2]["error"] == "relation \"x\" does not exist\nLINE 1: \"quoted\" \\ and a tab\t");
  CHECK_FALSE(events[2].contains("detail"));

  SECTION("a second log on the same file appends") {
    audit::AuditLog again(path, "down", "bob", "other", {}, fixed_time);
    audit::AuditEvent done;
    done.event = "done";
    again.append(done);
    const auto all = read_log(path);
    REQUIRE(all.size() == 4);
    CHECK(all[3]["command"] == "down");
    CHECK(all[3]["user"] == "bob");
  }
}

TEST_CASE("AuditLog writes a queued line in front of the next one, or when it is closed", "[integration][audit]") {
  const test::TempDir dir;
  const fs::path path = dir.path() / "audit.log";
  const auto event = [](const std::string& name) {
    audit::AuditEvent e;
    e.event = name;
    return e;
  };
  {
    audit::AuditLog log(path, "up", "u", "h", {});
    log.append_with_next(event("start"));
    CHECK(test::slurp(path).empty());
    log.append(std::vector<audit::AuditEvent>{event("apply"), event("apply")});
    const auto lines = read_log(path);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0]["event"] == "start");
    CHECK(lines[1]["event"] == "apply");
    log.append(event("done"));
    CHECK(read_log(path).size() == 4);
    log.append_with_next(event("start"));
  }
  const auto lines = read_log(path);
  REQUIRE(lines.size() == 5);
  CHECK(lines[4]["event"] == "start");
}

TEST_CASE("AuditLog masks secrets in error and detail, given up front or added later", "[integration][audit]") {
  const test::TempDir dir;
  const fs::path path = dir.path() / "audit.log";
  audit::AuditLog log(path, "up", "u", "h", {"Sup3r-Secret"});
  audit::AuditEvent event;
  event.event = "fail";
  event.ok = false;
  event.error = "password authentication failed: Sup3r-Secret / p%40ss and p@ss";
  event.detail = "migrate --database-url postgres://u:Sup3r-Secret@h/db up";
  log.append(event);
  log.add_secret("p@ss");
  log.add_secret("p%40ss");
  log.add_secret("");  // ignored
  log.append(event);

  const std::string text = test::slurp(path);
  CHECK_THAT(text, !Catch::Contains("Sup3r-Secret"));
  const auto events = read_log(path);
  REQUIRE(events.size() == 2);
  CHECK(events[0]["error"] == "password authentication failed: *** / p%40ss and p@ss");
  CHECK(events[0]["detail"] == "migrate --database-url postgres://u:***@h/db up");
  CHECK(events[1]["error"] == "password authentication failed: *** / *** and ***");
}

TEST_CASE("AuditLog refuses to open a log it cannot write", "[integration][audit]") {
  const test::TempDir dir;
  const fs::path file = dir.path() / "a-file";
  {
    std::ofstream out(file);
    out << "x";
  }
  // A path below a regular file cannot be created, even by root.
  CHECK_THROWS(audit::AuditLog(file / "audit.log", "up", "u", "h", {}));
}

TEST_CASE("4 processes appending to one audit log at once write only whole lines", "[integration][audit]") {
  const test::TempDir dir;
  const fs::path path = dir.path() / "migration-audit.log";
  constexpr int k_children = 4;
  constexpr int k_events = 400;
  // Lines well above PIPE_BUF (4096), so that only the lock keeps them whole.
  const std::string padding(6000, 'x');

  // Plain forks, all before any thread exists: a process that forks while another of its
  // threads holds the allocator's lock (the runner's output threads) may hang in the child,
  // as it did here under AddressSanitizer.
  std::vector<pid_t> children;
  for (int child = 0; child < k_children; ++child) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 0;
      try {
        audit::AuditLog log(path, "up", "child" + std::to_string(child), "host", {});
        for (int i = 0; i < k_events; ++i) {
          audit::AuditEvent event;
          event.event = "apply";
          event.service = "svc" + std::to_string(child);
          event.version = i + 1;
          event.duration_ms = i;
          event.detail = std::to_string(child) + ":" + std::to_string(i) + ":" + padding;
          log.append(event);
        }
      } catch (...) {
        code = 1;
      }
      ::_exit(code);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  const auto events = read_log(path);
  CHECK(events.size() == static_cast<std::size_t>(k_children * k_events));
  std::map<std::string, int> next;  // per child, the next event number expected
  for (const nlohmann::json& event : events) {
    const std::string detail = event.at("detail").get<std::string>();
    const std::size_t first = detail.find(':');
    const std::size_t second = detail.find(':', first + 1);
    REQUIRE(second != std::string::npos);
    const std::string child = detail.substr(0, first);
    const int number = std::stoi(detail.substr(first + 1, second - first - 1));
    CHECK(detail.substr(second + 1) == padding);
    CHECK(event.at("user") == "child" + child);
    CHECK(event.at("service") == "svc" + child);
    INFO("each process's lines appear in its own order");
    CHECK(number == next[child]);
    next[child] = number + 1;
  }
  CHECK(next.size() == static_cast<std::size_t>(k_children));
  for (const auto& [child, count] : next) {
    INFO("child " << child);
    CHECK(count == k_events);
  }
}

namespace {

audit::AuditEvent apply_event(Version version, const std::string& detail) {
  audit::AuditEvent event;
  event.event = "apply";
  event.service = "app";
  event.version = version;
  event.duration_ms = 1;
  event.detail = detail;
  return event;
}

// The reserve files beside a log.
std::vector<std::string> reserve_files(const fs::path& log) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(log.parent_path())) {
    const std::string name = entry.path().filename();
    if (name.rfind("." + log.filename().string() + ".reserve-", 0) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("a write cut short by a file size limit leaves no fragment: the line is written whole or not at all",
          "[integration][audit]") {
  const test::TempDir dir;
  const fs::path path = dir.path() / "migration-audit.log";
  {
    audit::AuditLog log(path, "up", "u", "h", {});
    log.append(apply_event(1, "0001_first"));
  }
  const auto before = fs::file_size(path);
  // In a child: RLIMIT_FSIZE makes write(2) stop part way and then fail with EFBIG, as a
  // full disk does with ENOSPC.
  const int code = test::run_forked([&] {
    int result = 0;
    audit::AuditLog log(path, "up", "u", "h", {});
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{static_cast<rlim_t>(before + 100), static_cast<rlim_t>(before + 100)};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 3;
    try {
      log.append(apply_event(2, "0002_" + std::string(6000, 'x')));
      result = 4;  // the write must fail
    } catch (const Error& e) {
      if (std::string(e.what()).find("File too large") == std::string::npos) result = 5;
    }
    return result;
  });
  REQUIRE(code < 128);  // exited, not killed by a signal
  CHECK(code == 0);
  CHECK(fs::file_size(path) == before);
  {
    audit::AuditLog log(path, "up", "u", "h", {});
    log.append(apply_event(3, "0003_third"));
  }
  const auto events = read_log(path);
  REQUIRE(events.size() == 2);
  CHECK(events[0]["version"] == "0001");
  CHECK(events[1]["version"] == "0003");
}

TEST_CASE("a torn last line is cut off when the log is opened, so the next line starts on its own",
          "[integration][audit]") {
  const test::TempDir dir;
  const fs::path path = dir.path() / "migration-audit.log";
  const std::string whole = R"({"ts":"2026-11-21T05:41:41.123Z","event":"start"})";
  std::string expected_first;
  SECTION("a fragment left by a failed write or a crash is cut off") {
    dir.write("migration-audit.log", whole + "\n" + R"({"ts":"2026-11-21T05:41:42.000Z","user":"al)");
    expected_first = "start";
  }
  SECTION("a log that is nothing but a fragment is emptied") {
    dir.write("migration-audit.log", R"({"ts":"2026-11-21T05:41:42.000Z","us)");
  }
  SECTION("a whole last line that only lacks its line break is kept") {
    dir.write("migration-audit.log", whole);
    expected_first = "start";
  }
  {
    audit::AuditLog log(path, "up", "u", "h", {});
    log.append(apply_event(1, "0001_first"));
  }
  const auto events = read_log(path);
  REQUIRE(events.size() == (expected_first.empty() ? 1u : 2u));
  if (!expected_first.empty()) CHECK(events[0]["event"] == expected_first);
  CHECK(events.back()["event"] == "apply");
}

TEST_CASE("AuditLog holds disk space in a reserve file of its own while it is open", "[integration][audit]") {
  const test::TempDir dir;
  const fs::path path = dir.path() / "migration-audit.log";
  // One left behind by a process that no longer runs (pid 2^22 + 1 is above pid_max's
  // default) is removed; one of a live process is left alone.
  dir.write(".migration-audit.log.reserve-4194305", "stale");
  dir.write(".migration-audit.log.reserve-1", "init's");
  {
    audit::AuditLog log(path, "up", "u", "h", {});
    const std::string own = ".migration-audit.log.reserve-" + std::to_string(::getpid());
    CHECK(reserve_files(path) == std::vector<std::string>{".migration-audit.log.reserve-1", own});
    CHECK(fs::file_size(dir.path() / own) == audit::AuditLog::k_reserve_bytes);
    CHECK_FALSE(log.reserve_spent());
  }
  CHECK(reserve_files(path) == std::vector<std::string>{".migration-audit.log.reserve-1"});
}

}  // namespace migrate::itest
