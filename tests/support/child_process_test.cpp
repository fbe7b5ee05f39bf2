// The child-process runner itself: a chatty child never deadlocks, a terminal is a terminal,
// waits are bounded, every child is reaped and no descriptor is left open.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "support/child_process.hpp"

namespace migrate::test {

namespace {

using namespace std::chrono_literals;

std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

bool reaped(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) < 0 && errno == ECHILD;
}

}  // namespace

TEST_CASE("a child writing megabytes to stdout and stderr while reading stdin finishes", "[support]") {
  CliOptions options;
  options.input = std::string(3 << 20, 'i');
  const CliResult result =
      run_child({"/bin/sh", "-c", "head -c 2097152 /dev/zero | tr '\\0' e >&2 & cat; wait"}, options);
  CHECK(result.exit_code == 0);
  CHECK(result.out == options.input);
  CHECK(result.err == std::string(2 << 20, 'e'));
}

TEST_CASE("a child on a terminal sees one on stdin and stdout and reads what was typed", "[support]") {
  CliOptions options;
  options.stdio = Stdio::terminal;
  options.input = "yes\n";
  const CliResult result =
      run_child({"/bin/sh", "-c", "test -t 0 && test -t 1 && ! test -t 2 && read a && echo got:$a; read b; echo eof:$?"},
                options);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("got:yes") != std::string::npos);
  CHECK(result.out.find("eof:1") != std::string::npos);  // end-of-file after the typed text
}

TEST_CASE("a wait is bounded: a child still running then is killed and reaped", "[support]") {
  ChildProcess child({"/bin/sleep", "60"});
  const CliResult result = child.wait(200ms);
  CHECK(result.exit_code == 128 + SIGKILL);
  CHECK(result.err.find("[killed after 200 ms]") != std::string::npos);
  CHECK(child.killed());
  CHECK(reaped(child.pid()));
  CHECK_FALSE(child.send_signal(SIGTERM));  // never a reused pid
}

TEST_CASE("a background child: output awaited, signalled, waited for", "[support]") {
  ChildProcess child({"/bin/sh", "-c", "echo ready; exec sleep 60"});
  REQUIRE(child.wait_for_output("ready", 10s));
  CHECK_FALSE(child.wait_for_output("never written", 100ms));
  REQUIRE(child.send_signal(SIGTERM));
  const CliResult result = child.wait();
  CHECK(result.exit_code == 128 + SIGTERM);
  CHECK(result.out == "ready\n");
  CHECK(child.describe().find("exit code 143") != std::string::npos);
}

TEST_CASE("no zombie and no descriptor is left behind, even by a child dropped while running", "[support]") {
  const std::size_t before = open_descriptors();
  pid_t pid = -1;
  {
    CliOptions options;
    options.input = "never read";
    ChildProcess child({"/bin/sleep", "60"}, options);
    pid = child.pid();
  }
  CHECK(reaped(pid));
  {
    CliOptions options;
    options.stdio = Stdio::terminal;
    ChildProcess child({"/bin/sleep", "60"}, options);
    pid = child.pid();
  }
  CHECK(reaped(pid));
  CHECK(run_child({"/bin/true"}).exit_code == 0);
  CHECK(open_descriptors() == before);
}

TEST_CASE("a gated child starts only when the gate opens", "[support]") {
  StartGate gate;
  CliOptions options;
  options.gate = &gate;
  ChildProcess child({"/bin/echo", "started"}, options);
  CHECK_FALSE(child.wait_for_output("started", 300ms));
  gate.open();
  CHECK(child.wait_for_output("started", 10s));
  CHECK(child.wait().exit_code == 0);
}

TEST_CASE("environment, working folder and unprivileged user of a child", "[support]") {
  CliOptions options;
  options.env["MIGRATE_CHILD_TEST"] = "value";
  options.cwd = "/tmp";
  options.unprivileged = true;
  const CliResult result = run_child({"/bin/sh", "-c", "echo $MIGRATE_CHILD_TEST $(pwd) $(id -u) $(id -g)"}, options);
  const UserIds user = unprivileged_user();
  CHECK(result.out == "value /tmp " + std::to_string(user.uid) + " " + std::to_string(user.gid) + "\n");
}

TEST_CASE("a forked function exits with what it returns, 1 when it throws", "[support]") {
  CHECK(run_forked([] { return 7; }) == 7);
  CHECK(run_forked([]() -> int { throw std::runtime_error("boom"); }) == 1);
}

}  // namespace migrate::test
