// The one way tests start a child process: the built migrate binary (or any program, or a
// function in a forked copy of the test), with its stdio on pipes or on a pseudo-terminal,
// run to completion or left running in the background.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace migrate::test {

/// How a child ended and what it wrote.
struct CliResult {
  int exit_code = -1;  ///< the exit status, or 128 + the signal that ended it
  std::string out;     ///< stdout; on a terminal, everything the terminal showed (echo included)
  std::string err;     ///< stderr
};

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

/// Where a child's stdin and stdout are.
enum class Stdio {
  pipes,     ///< stdin, stdout and stderr each on a pipe
  terminal,  ///< stdin and stdout on a pseudo-terminal (so prompts are asked), stderr on a pipe
  /// stdin on a pseudo-terminal, stdout and stderr on pipes: a person at a terminal whose
  /// output goes to a program (`migrate up --json | jq`)
  terminal_stdin,
};

/// The default bound of a run: a child still running after it is killed (SIGKILL).
constexpr std::chrono::seconds k_child_timeout{300};

struct CliOptions {
  std::filesystem::path cwd;                  ///< working directory (default: current)
  std::map<std::string, std::string> env;     ///< added to a minimal environment
  /// On pipes, written to the child's stdin (closed at once when empty). On a terminal,
  /// typed before the child starts, then end-of-file (^D ^D), so a read never hangs.
  std::string input;
  /// Run as the unprivileged user of unprivileged_user() when the tests run as root, so
  /// that file permissions apply to the child (root ignores them); as is otherwise.
  bool unprivileged = false;
  Stdio stdio = Stdio::pipes;
  /// When set, the child waits at this gate before it starts (StartGate::open()).
  const StartGate* gate = nullptr;
  /// Bounds run_child / run_migrate (and ChildProcess::wait() without an argument).
  std::chrono::milliseconds timeout = k_child_timeout;
};

/// The uid and gid a child runs as with CliOptions::unprivileged: `nobody` when this
/// process is root, this process's own ids otherwise.
struct UserIds {
  unsigned uid = 0;
  unsigned gid = 0;
};
UserIds unprivileged_user();

/// The environment a child starts from: PATH, HOME, USER, LANG and the sanitizer options
/// (ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS) of this process, nothing else, so no outer
/// DATABASE_URL leaks in and a sanitizer build's children run under the same options.
std::map<std::string, std::string> minimal_environment();

/// {path of the built migrate, args...}.
std::vector<std::string> migrate_command(const std::vector<std::string>& args);

/// A child process running in the background. Its stdout and stderr are drained all the
/// time by a thread of this object (a chatty child never blocks), it is reaped as soon as
/// it exits (never a zombie), and the destructor kills (SIGKILL) a child still running and
/// closes every descriptor. Throws std::runtime_error when it cannot be started.
class ChildProcess {
 public:
  /// Starts argv (argv[0] a path) with minimal_environment() plus options.env.
  explicit ChildProcess(const std::vector<std::string>& argv, const CliOptions& options = {});
  /// Forks a copy of this process that runs body and exits with what it returns (1 when it
  /// throws). Only cwd, unprivileged, stdio, input and gate of options apply.
  ChildProcess(const std::function<int()>& body, const CliOptions& options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return m_pid; }

  /// Sends sig; false (and nothing sent) once the child has exited and been reaped, so a
  /// reused pid is never signalled.
  bool send_signal(int sig);
  /// send_signal(SIGKILL).
  void kill();

  /// Waits until needle shows in stdout or stderr: false when it has not after timeout,
  /// or when the child has exited without writing it.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) const;

  /// What the child has written so far.
  std::string out() const;
  std::string err() const;

  /// Waits for the child to exit and its output to end. A child still running after
  /// timeout is killed (SIGKILL) and "[killed after N ms]" is added to err. Repeatable.
  CliResult wait(std::chrono::milliseconds timeout);
  CliResult wait() { return wait(m_timeout); }

  /// True when the child was ended by SIGKILL (after wait()).
  bool killed() const;

  /// Pid, exit code, stdout and stderr, for INFO messages.
  std::string describe() const;

 private:
  void start(const std::function<void()>& exec_in_child, const CliOptions& options);
  void drain();

  pid_t m_pid = -1;
  std::chrono::milliseconds m_timeout;
  std::string m_input;
  int m_in = -1;   // stdin's pipe (write end); -1 on a terminal
  int m_tty = -1;  // the terminal's master when only stdin is on it (Stdio::terminal_stdin)
  int m_out = -1;  // stdout's pipe (read end), or the terminal's master
  int m_err = -1;  // stderr's pipe (read end)
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_changed;
  std::string m_out_text;
  std::string m_err_text;
  bool m_reaped = false;
  bool m_finished = false;  // reaped and its output ended
  int m_exit_code = -1;
  std::thread m_drainer;
};

/// Runs argv to completion (bounded by options.timeout).
CliResult run_child(const std::vector<std::string>& argv, const CliOptions& options = {});

/// Runs `migrate args...` to completion. The child gets minimal_environment() plus
/// options.env.
CliResult run_migrate(const std::vector<std::string>& args, const CliOptions& options = {});

/// Starts `migrate args...` in the background.
std::unique_ptr<ChildProcess> start_migrate(const std::vector<std::string>& args, const CliOptions& options = {});

/// Forks a copy of this process that runs body, and waits for it: its exit code (body's
/// return value, 1 when it throws) or 128 + the signal that ended it.
int run_forked(const std::function<int()>& body, const CliOptions& options = {});

}  // namespace migrate::test
