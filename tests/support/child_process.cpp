// fork/exec with stdio on pipes or a pseudo-terminal, drained by poll on a thread of its own,
// reaped as soon as the child exits, killed when a wait runs out or the object goes.
#include "support/child_process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace migrate::test {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How long the output is still read after the child exited, for a grandchild that kept
// its stdout or stderr open.
constexpr auto k_output_grace = 2s;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    close_fd(read);
    close_fd(write);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

// The master and slave of a fresh pseudo-terminal (both close-on-exec).
struct Terminal {
  int master = -1;
  int slave = -1;
  Terminal() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) fail("cannot open a pseudo-terminal");
    const char* name = ::ptsname(master);
    if (name == nullptr) fail("ptsname failed");
    slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0 || ::isatty(slave) != 1) fail("cannot open the pseudo-terminal's slave");
  }
  ~Terminal() {
    close_fd(master);
    close_fd(slave);
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  [[noreturn]] void fail(const char* what) {
    close_fd(master);
    close_fd(slave);
    throw std::runtime_error(what);
  }
};

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

StartGate::StartGate() {
  if (::pipe2(m_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
}

StartGate::~StartGate() {
  open();
  close_fd(m_fds[0]);
}

void StartGate::open() { close_fd(m_fds[1]); }

std::map<std::string, std::string> minimal_environment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"PATH", "HOME", "USER", "LANG", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  return env;
}

UserIds unprivileged_user() {
  if (::geteuid() != 0) return {::geteuid(), ::getegid()};
  const passwd* nobody = ::getpwnam("nobody");
  if (nobody == nullptr) throw std::runtime_error("running as root and there is no user 'nobody' to drop to");
  return {nobody->pw_uid, nobody->pw_gid};
}

std::vector<std::string> migrate_command(const std::vector<std::string>& args) {
  std::vector<std::string> argv{MIGRATE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const CliOptions& options)
    : m_timeout(options.timeout) {
  if (argv.empty()) throw std::invalid_argument("ChildProcess: empty argv");
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> argv_strings = argv;
  std::map<std::string, std::string> env = minimal_environment();
  for (const auto& [key, value] : options.env) env[key] = value;
  std::vector<std::string> env_strings;
  for (const auto& [key, value] : env) env_strings.push_back(key + "=" + value);
  std::vector<char*> argv_pointers;
  for (std::string& s : argv_strings) argv_pointers.push_back(s.data());
  argv_pointers.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  start([&] { ::execve(argv_pointers[0], argv_pointers.data(), envp.data()); }, options);
}

ChildProcess::ChildProcess(const std::function<int()>& body, const CliOptions& options)
    : m_timeout(options.timeout) {
  start(
      [&] {
        int code = 1;
        try {
          code = body();
        } catch (...) {
        }
        ::_exit(code);
      },
      options);
}

void ChildProcess::start(const std::function<void()>& exec_in_child, const CliOptions& options) {
  const bool terminal = options.stdio != Stdio::pipes;  // stdin on the terminal
  const bool terminal_out = options.stdio == Stdio::terminal;
  const UserIds user = options.unprivileged ? unprivileged_user() : UserIds{::geteuid(), ::getegid()};
  std::unique_ptr<Terminal> tty;
  std::unique_ptr<Pipe> in;
  if (terminal) {
    tty = std::make_unique<Terminal>();
    // Typed before the child starts; ^D ends a partial line, a second one is end-of-file.
    const std::string keys = options.input + "\x04\x04";
    if (::write(tty->master, keys.data(), keys.size()) != static_cast<ssize_t>(keys.size())) {
      throw std::runtime_error("cannot type on the pseudo-terminal");
    }
  } else {
    in = std::make_unique<Pipe>();
  }
  Pipe out_pipe;
  Pipe err;
  const int child_in = terminal ? tty->slave : in->read;
  const int child_out = terminal_out ? tty->slave : out_pipe.write;
  const int gate_wait = options.gate != nullptr ? options.gate->wait_fd() : -1;
  const int gate_hold = options.gate != nullptr ? options.gate->hold_fd() : -1;
  const char* cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();

  m_pid = ::fork();
  if (m_pid < 0) throw std::runtime_error("fork failed");
  if (m_pid == 0) {
    if (gate_wait >= 0) {
      // Our copy of the write end must go, or the gate never reads as open.
      if (gate_hold >= 0) ::close(gate_hold);
      char byte = 0;
      while (::read(gate_wait, &byte, 1) < 0 && errno == EINTR) {
      }
    }
    if (terminal) ::setsid();
    // dup2's copies stay open across exec; every original is close-on-exec.
    ::dup2(child_in, STDIN_FILENO);
    ::dup2(child_out, STDOUT_FILENO);
    ::dup2(err.write, STDERR_FILENO);
    if (options.unprivileged && ::geteuid() != user.uid &&
        (::setgroups(0, nullptr) != 0 || ::setgid(user.gid) != 0 || ::setuid(user.uid) != 0)) {
      ::_exit(125);
    }
    if (cwd != nullptr && ::chdir(cwd) != 0) ::_exit(126);
    exec_in_child();
    ::_exit(127);
  }

  // The parent keeps its ends only.
  if (terminal_out) {
    m_out = tty->master;
    tty->master = -1;
  } else if (terminal) {
    // The terminal only echoes what was typed: kept open (so the child's stdin stays a
    // live terminal) but never read.
    m_tty = tty->master;
    tty->master = -1;
    m_out = out_pipe.read;
    out_pipe.read = -1;
  } else {
    m_in = in->write;
    in->write = -1;
    m_input = options.input;
    if (m_input.empty()) close_fd(m_in);
    m_out = out_pipe.read;
    out_pipe.read = -1;
  }
  m_err = err.read;
  err.read = -1;
  for (int fd : {m_in, m_out, m_err}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  m_drainer = std::thread([this] { drain(); });
}

void ChildProcess::drain() {
  // A child that is gone before its input was written (killed by the destructor while
  // this thread had not run yet): the write fails with EPIPE rather than killing the
  // test with SIGPIPE. The signal is directed at this thread, blocked here only.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
  std::size_t written = 0;
  char buffer[65536];
  Clock::time_point reaped_at{};
  bool reaped = false;
  while (true) {
    pollfd fds[3] = {{m_out, POLLIN, 0}, {m_err, POLLIN, 0}, {m_in, POLLOUT, 0}};
    const bool reading = m_out >= 0 || m_err >= 0;
    if (reaped && (!reading || Clock::now() - reaped_at > k_output_grace)) break;
    const int ready = ::poll(fds, 3, reading ? 50 : 10);
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2 && ready > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      int& fd = i == 0 ? m_out : m_err;
      while (true) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
          const std::lock_guard<std::mutex> lock(m_mutex);
          (i == 0 ? m_out_text : m_err_text).append(buffer, static_cast<std::size_t>(n));
          m_changed.notify_all();
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        // EAGAIN: drained for now. 0 or an error (a terminal's master reads EIO once the
        // slave is gone): the output has ended.
        if (n == 0 || errno != EAGAIN) close_fd(fd);
        break;
      }
    }
    if (m_in >= 0 && ready > 0 && fds[2].revents != 0) {
      const ssize_t n = ::write(m_in, m_input.data() + written, m_input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == m_input.size()) close_fd(m_in);
    }
    if (!reaped) {
      const std::lock_guard<std::mutex> lock(m_mutex);
      int status = 0;
      const pid_t pid = ::waitpid(m_pid, &status, WNOHANG);
      if (pid == m_pid || (pid < 0 && errno == ECHILD)) {
        m_reaped = reaped = true;
        m_exit_code = pid == m_pid ? exit_code_of(status) : -1;
        reaped_at = Clock::now();
        m_changed.notify_all();
      }
    }
  }
  close_fd(m_in);
  close_fd(m_out);
  close_fd(m_err);
  close_fd(m_tty);
  const std::lock_guard<std::mutex> lock(m_mutex);
  if (!m_reaped) {
    // poll failed: reap here, blocking, so no zombie is left.
    ::kill(m_pid, SIGKILL);
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
    m_reaped = true;
    m_exit_code = exit_code_of(status);
  }
  m_finished = true;
  m_changed.notify_all();
}

ChildProcess::~ChildProcess() {
  if (!m_drainer.joinable()) return;
  kill();
  m_drainer.join();
}

bool ChildProcess::send_signal(int sig) {
  const std::lock_guard<std::mutex> lock(m_mutex);
  if (m_reaped) return false;
  return ::kill(m_pid, sig) == 0;
}

void ChildProcess::kill() { send_signal(SIGKILL); }

bool ChildProcess::wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(m_mutex);
  return m_changed.wait_for(lock, timeout, [&] {
    return m_out_text.find(needle) != std::string::npos || m_err_text.find(needle) != std::string::npos ||
           m_finished;
  }) && (m_out_text.find(needle) != std::string::npos || m_err_text.find(needle) != std::string::npos);
}

std::string ChildProcess::out() const {
  const std::lock_guard<std::mutex> lock(m_mutex);
  return m_out_text;
}

std::string ChildProcess::err() const {
  const std::lock_guard<std::mutex> lock(m_mutex);
  return m_err_text;
}

CliResult ChildProcess::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(m_mutex);
  if (!m_changed.wait_for(lock, timeout, [&] { return m_finished; })) {
    if (!m_reaped) {
      ::kill(m_pid, SIGKILL);  // a hung child fails its test instead of the suite
      m_err_text += "\n[killed after " + std::to_string(timeout.count()) + " ms]";
    }
    m_changed.wait(lock, [&] { return m_finished; });
  }
  lock.unlock();
  if (m_drainer.joinable()) m_drainer.join();
  return CliResult{m_exit_code, m_out_text, m_err_text};
}

bool ChildProcess::killed() const {
  const std::lock_guard<std::mutex> lock(m_mutex);
  return m_reaped && m_exit_code == 128 + SIGKILL;
}

std::string ChildProcess::describe() const {
  const std::lock_guard<std::mutex> lock(m_mutex);
  return "pid " + std::to_string(m_pid) + ": " +
         (m_reaped ? "exit code " + std::to_string(m_exit_code) : std::string("running")) + "\n--- stdout ---\n" +
         m_out_text + "--- stderr ---\n" + m_err_text + "--------------";
}

CliResult run_child(const std::vector<std::string>& argv, const CliOptions& options) {
  return ChildProcess(argv, options).wait();
}

CliResult run_migrate(const std::vector<std::string>& args, const CliOptions& options) {
  return run_child(migrate_command(args), options);
}

std::unique_ptr<ChildProcess> start_migrate(const std::vector<std::string>& args, const CliOptions& options) {
  return std::make_unique<ChildProcess>(migrate_command(args), options);
}

int run_forked(const std::function<int()>& body, const CliOptions& options) {
  return ChildProcess(body, options).wait().exit_code;
}

}  // namespace migrate::test
