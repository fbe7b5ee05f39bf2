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
};

/// Runs `migrate args...` and waits for it. The child gets a minimal environment
/// (PATH, HOME, USER, LANG) plus options.env, so no outer DATABASE_URL leaks in.
CliResult run_migrate(const std::vector<std::string>& args, const CliOptions& options = {});

}  // namespace migrate::test
