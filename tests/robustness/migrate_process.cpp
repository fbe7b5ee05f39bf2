// fork/exec of migrate with output to files (nothing to drain, so a child never blocks on
// us), a pipe as the start gate, and SIGKILL.
#include "robustness/migrate_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <utility>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace migrate::robustness {

StartGate::StartGate() {
  if (::pipe2(m_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
}

StartGate::~StartGate() {
  open();
  if (m_fds[0] >= 0) ::close(m_fds[0]);
}

void StartGate::open() {
  if (m_fds[1] >= 0) ::close(m_fds[1]);
  m_fds[1] = -1;
}

MigrateProcess::MigrateProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                               std::filesystem::path output_stem, const StartGate* gate)
    : m_stem(std::move(output_stem)) {
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> argv_strings{MIGRATE_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::map<std::string, std::string> merged = test::minimal_environment();
  for (const auto& [key, value] : env) merged[key] = value;
  std::vector<std::string> env_strings;
  for (const auto& [key, value] : merged) env_strings.push_back(key + "=" + value);
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  const std::string out_path = m_stem.string() + ".out";
  const std::string err_path = m_stem.string() + ".err";

  m_pid = ::fork();
  if (m_pid < 0) throw std::runtime_error("fork failed");
  if (m_pid == 0) {
    if (gate != nullptr) {
      // Our copy of the write end must go, or the gate never reads as open.
      ::close(gate->hold_fd());
      char byte = 0;
      while (::read(gate->wait_fd(), &byte, 1) < 0 && errno == EINTR) {
      }
    }
    // O_CLOEXEC: dup2's copies stay open across exec, the originals do not.
    const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
}

MigrateProcess::~MigrateProcess() {
  if (m_exit_code < 0) {
    kill();
    wait();
  }
}

void MigrateProcess::kill() {
  if (m_exit_code < 0) ::kill(m_pid, SIGKILL);
}

int MigrateProcess::wait() {
  if (m_exit_code >= 0) return m_exit_code;
  int status = 0;
  while (::waitpid(m_pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  m_exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return m_exit_code;
}

std::string MigrateProcess::out() const {
  try {
    return test::slurp(m_stem.string() + ".out");
  } catch (const std::runtime_error&) {
    return "";
  }
}

std::string MigrateProcess::err() const {
  try {
    return test::slurp(m_stem.string() + ".err");
  } catch (const std::runtime_error&) {
    return "";
  }
}

std::string MigrateProcess::describe() const {
  return "migrate pid " + std::to_string(m_pid) + ": exit code " + std::to_string(m_exit_code) +
         "\n--- stdout ---\n" + out() + "--- stderr ---\n" + err() + "--------------";
}

}  // namespace migrate::robustness
