// Runs the built migrate binary as a child process, as a user or a pipeline would.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace migrate::test {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

struct CliOptions {
  std::filesystem::path cwd;                  ///< working directory (default: current)
  std::map<std::string, std::string> env;     ///< added to a minimal environment
  std::string input;                          ///< written to the child's stdin
  /// Run as the unprivileged user of unprivileged_user() when the tests run as root, so
  /// that file permissions apply to the child (root ignores them); as is otherwise.
  bool unprivileged = false;
};

/// The uid and gid a child runs as with CliOptions::unprivileged: `nobody` when this
/// process is root, this process's own ids otherwise.
struct UserIds {
  unsigned uid = 0;
  unsigned gid = 0;
};
UserIds unprivileged_user();

/// The environment a child migrate starts from: PATH, HOME, USER, LANG and the sanitizer
/// options (ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS) of this process, nothing else, so no
/// outer DATABASE_URL leaks in and a sanitizer build's children run under the same options.
std::map<std::string, std::string> minimal_environment();

/// Runs `migrate args...` and waits for it. The child gets minimal_environment() plus
/// options.env.
CliResult run_migrate(const std::vector<std::string>& args, const CliOptions& options = {});

}  // namespace migrate::test
