// Memory flat in the number of revisions: the peak RSS of `up` applying 5,000 tiny
// revisions stays close to that of applying 500, and a no-op `status` close to that of a
// project of 500 (the child's own peak, read from /proc as it exits; nothing is timed).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

// A project of `count` tiny revisions (one INSERT each, and its DELETE) and its SQLite URL.
struct TinyProject {
  migrate::test::TempDir dir;
  std::string url;

  explicit TinyProject(int count) {
    const fs::path migrations = dir.path() / "migrations";
    fs::create_directories(migrations);
    std::ofstream(dir.path() / "migrate.toml") << "[services.app]\nmigrations = \"migrations\"\n";
    for (int version = 1; version <= count; ++version) {
      char stem[32];
      std::snprintf(stem, sizeof stem, "%04d_tiny_%d", version, version);
      const std::string n = std::to_string(version);
      const std::string insert = "INSERT INTO tiny (n) VALUES (" + n + ");\n";
      const std::string up = version == 1 ? "CREATE TABLE tiny (n integer NOT NULL);\n" + insert : insert;
      const std::string down = version == 1 ? "DROP TABLE tiny;\n" : "DELETE FROM tiny WHERE n = " + n + ";\n";
      std::ofstream(migrations / (std::string(stem) + ".up.sql")) << up;
      std::ofstream(migrations / (std::string(stem) + ".down.sql")) << down;
    }
    url = "sqlite://" + (dir.path() / "app.db").string();
  }
};

// The peak RSS (VmHWM) of the process pid, in KiB, from /proc; -1 when absent.
long vm_hwm_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Runs the built migrate with args (output discarded); returns its peak RSS in KiB, or
// -1 when it could not run or did not exit 0. Not getrusage: a child's ru_maxrss also
// counts what its parent (this test binary) had resident when it forked, which would
// hide the child's own figure. The child is traced instead and stopped as it exits, when
// its memory is still there to read (VmHWM counts only the migrate program it ran).
long peak_rss_kib(const TinyProject& project, const std::vector<std::string>& args) {
  std::vector<std::string> argv{MIGRATE_BINARY, "--config", (project.dir.path() / "migrate.toml").string(),
                                "--database-url", project.url, "-q"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> pointers;
  for (std::string& arg : argv) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    ::execv(pointers[0], pointers.data());
    ::_exit(127);
  }
  long peak = -1;
  int status = 0;
  bool options_set = false;
  while (::waitpid(pid, &status, 0) == pid) {
    if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    if (!WIFSTOPPED(status)) continue;
    int deliver = 0;
    if (!options_set && WSTOPSIG(status) == SIGTRAP) {  // stopped after exec
      ::ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL);
      options_set = true;
    } else if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
      peak = vm_hwm_kib(pid);
    } else {
      deliver = WSTOPSIG(status);
    }
    ::ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(deliver)));
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? peak : -1;
}

}  // namespace

TEST_CASE("the peak memory of up and status does not grow with the number of revisions", "[cli][idle][rss]") {
  const TinyProject small(500);
  const TinyProject large(5000);

  const long up_small = peak_rss_kib(small, {"up", "--yes", "--no-backup"});
  const long up_large = peak_rss_kib(large, {"up", "--yes", "--no-backup"});
  REQUIRE(up_small > 0);
  REQUIRE(up_large > 0);
  const long status_small = peak_rss_kib(small, {"status"});
  const long status_large = peak_rss_kib(large, {"status"});
  REQUIRE(status_small > 0);
  REQUIRE(status_large > 0);
  INFO("peak RSS, KiB: up 500 " << up_small << ", up 5000 " << up_large << "; status 500 " << status_small
                                << ", status 5000 " << status_large);
  // 4,500 more revisions. What is left per revision (its record, the checksum cache's
  // entries, its history row) is about 1.4 KiB; a copy of every revision, its text kept,
  // or a document built per revision (as before: about 6 KiB a revision) goes past this
  // bound. Per revision rather than a ratio, which a smaller fixed part would move.
  constexpr long k_added = 4500;
  constexpr long k_bound_bytes = 2560;
  CHECK((up_large - up_small) * 1024 <= k_added * k_bound_bytes);
  CHECK((status_large - status_small) * 1024 <= k_added * k_bound_bytes);
}
