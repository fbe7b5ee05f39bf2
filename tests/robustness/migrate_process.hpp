// The built migrate binary as a child that runs while the test goes on: started alone or
// several at once behind a gate, killed at a chosen moment, waited for.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace migrate::robustness {

/// Children started with a gate wait at it (before exec) until open() lets them all go at
/// the same instant. Open it once every child has been started.
class StartGate {
 public:
  StartGate();
  ~StartGate();
  StartGate(const StartGate&) = delete;
  StartGate& operator=(const StartGate&) = delete;

  void open();

  int wait_fd() const { return m_fds[0]; }
  int hold_fd() const { return m_fds[1]; }

 private:
  int m_fds[2] = {-1, -1};
};

/// `migrate args...` with test::minimal_environment() plus env, stdin /dev/null, stdout and
/// stderr in <output_stem>.out and <output_stem>.err. The destructor kills (SIGKILL) and
/// reaps a child that is still running. Throws std::runtime_error when fork fails.
class MigrateProcess {
 public:
  MigrateProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                 std::filesystem::path output_stem, const StartGate* gate = nullptr);
  ~MigrateProcess();
  MigrateProcess(const MigrateProcess&) = delete;
  MigrateProcess& operator=(const MigrateProcess&) = delete;

  pid_t pid() const { return m_pid; }

  /// Sends SIGKILL (harmless when the child has already exited but is not reaped yet).
  void kill();

  /// Waits for the child: its exit code, or 128 + the signal that ended it. Idempotent.
  int wait();

  /// True when the child was ended by SIGKILL (after wait()).
  bool killed() const { return m_exit_code == 128 + 9; }

  std::string out() const;
  std::string err() const;
  /// Exit code, stdout and stderr, for INFO messages.
  std::string describe() const;

 private:
  pid_t m_pid = -1;
  int m_exit_code = -1;
  std::filesystem::path m_stem;
};

}  // namespace migrate::robustness
