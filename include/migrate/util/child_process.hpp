// Child processes started with an argument vector (never a shell) and an explicit environment.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace migrate::util {

/// How a child ended and what it wrote to stderr.
struct ProcessResult {
  int exit_code = -1;       ///< exit status, or 128 + signal number
  std::string stdout_text;  ///< up to the first 64 KiB
  std::string stderr_text;  ///< up to the first 64 KiB

  bool ok() const { return exit_code == 0; }
};

/// Runs argv[0] (a path) with argv. The child's environment is this process's with
/// `env` added or overriding (secrets travel here, never in argv); stdin is /dev/null;
/// stdout and stderr are captured. Throws std::runtime_error when the
/// program cannot be started, and Interrupted when SIGINT or SIGTERM asked this process to
/// stop (before or while the child runs: the child then gets SIGINT, which PostgreSQL's
/// client programs answer by cancelling their query, then SIGTERM and SIGKILL after a
/// second each, and is reaped before the throw).
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {});

/// The first executable called name in the PATH folders, then in extra_dirs; nullopt if none.
std::optional<std::filesystem::path> find_executable(const std::string& name,
                                                     const std::vector<std::filesystem::path>& extra_dirs = {});

}  // namespace migrate::util
