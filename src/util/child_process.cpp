// posix_spawn with file actions: no shell, no inherited descriptors but the three we set.
// On SIGINT/SIGTERM the child is stopped (SIGINT, SIGTERM, then SIGKILL) and reaped.
#include "migrate/util/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>

#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/text.hpp"

extern char** environ;

namespace migrate::util {

namespace {

constexpr std::size_t k_max_output = 64 * 1024;

// How long a child has to exit after SIGINT, and again after SIGTERM, before SIGKILL.
constexpr std::chrono::milliseconds k_termination_grace{1000};

// Run from the signal handler: kill(2) is async-signal-safe. SIGINT first: PostgreSQL's
// client programs (psql, pg_dump, pg_restore) answer it by cancelling their query in the
// server before they exit, where a plain SIGTERM leaves psql's query running there.
void interrupt_child(void* pid) noexcept { ::kill(*static_cast<pid_t*>(pid), SIGINT); }

[[noreturn]] void throw_stopped(int signal, const std::string& program) {
  throw Interrupted(signal, std::string("interrupted by ") + signal_name(signal) + ": stopped " +
                                std::filesystem::path(program).filename().string());
}

// Whether the child exited within the grace; reaps it if so.
bool reaped_within_grace(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + k_termination_grace;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped == pid || (reaped < 0 && errno != EINTR)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// SIGINT, SIGTERM, then SIGKILL, each after a grace to exit; reaps the child.
void stop_and_reap(pid_t pid) {
  for (int signal : {SIGINT, SIGTERM}) {
    ::kill(pid, signal);
    if (reaped_within_grace(pid)) return;
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::vector<std::string> child_environment(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string pair(*entry);
    const std::size_t eq = pair.find('=');
    if (eq != std::string::npos) merged[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  for (const auto& [key, value] : overrides) merged[key] = value;
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [key, value] : merged) out.push_back(key + "=" + value);
  return out;
}

// Owns a posix_spawn_file_actions_t.
class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&m_actions); }
  ~FileActions() { posix_spawn_file_actions_destroy(&m_actions); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &m_actions; }

 private:
  posix_spawn_file_actions_t m_actions;
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env) {
  if (argv.empty()) throw std::runtime_error("run_process: empty argument vector");
  throw_if_interrupted();
  std::vector<std::string> env_strings = child_environment(env);
  std::vector<std::string> arg_strings = argv;
  std::vector<char*> c_argv;
  for (std::string& arg : arg_strings) c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);
  std::vector<char*> c_env;
  for (std::string& entry : env_strings) c_env.push_back(entry.data());
  c_env.push_back(nullptr);

  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  FileActions actions;
  posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(actions.get(), out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(actions.get(), err_pipe[1], STDERR_FILENO);

  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, c_argv[0], actions.get(), nullptr, c_argv.data(), c_env.data());
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(spawned));
  }

  // From now on a signal stops the child at once (the handler sends SIGINT), and the loop
  // below then makes sure it is gone and reaped; the third descriptor wakes that loop.
  auto stop_on_signal = std::make_unique<CancelRegistration>(interrupt_child, &pid);
  ProcessResult result;
  pollfd fds[3] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}, {interrupt_fd(), POLLIN, 0}};
  const auto stop_if_interrupted = [&] {
    const int signal = interrupt_signal();
    if (signal == 0) return;
    stop_and_reap(pid);
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0) ::close(fds[i].fd);
    }
    throw_stopped(signal, argv[0]);
  };

  // Drain both pipes together so that a child filling one cannot block on it.
  std::string* sinks[2] = {&result.stdout_text, &result.stderr_text};
  char buffer[4096];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    stop_if_interrupted();
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
      } else if (sinks[i]->size() < k_max_output) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd >= 0) ::close(fds[i].fd);
    fds[i].fd = -1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed for " + argv[0]);
    stop_if_interrupted();
  }
  stop_on_signal.reset();  // the pid is free for reuse now
  // The handler's SIGINT may be what ended it.
  if (const int signal = interrupt_signal(); signal != 0) throw_stopped(signal, argv[0]);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::optional<std::filesystem::path> find_executable(const std::string& name,
                                                     const std::vector<std::filesystem::path>& extra_dirs) {
  std::vector<std::filesystem::path> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest(path);
    while (!rest.empty()) {
      const std::size_t colon = rest.find(':');
      const std::string_view dir = rest.substr(0, colon);
      if (!dir.empty()) dirs.emplace_back(std::string(dir));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  for (const auto& dir : dirs) {
    const std::filesystem::path candidate = dir / name;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) return candidate;
  }
  return std::nullopt;
}

}  // namespace migrate::util
