// Environment variables as an explicit value: the process environment over a .env file.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace migrate::config {

/// Parses .env text: KEY=VALUE lines, `export ` prefixes, # comments, '…' literal and
/// "…" escaped values. Throws ConfigError with the file name and line on a bad line.
std::map<std::string, std::string> parse_env_file(std::string_view text, std::string_view file_name);

/// Variable lookup. Built once in cli::run and passed down; never reads the process
/// environment after construction.
class Environment {
 public:
  Environment() = default;
  explicit Environment(std::map<std::string, std::string> variables)
      : m_variables(std::move(variables)) {}

  /// The process environment; variables that are not set there (set to an empty value
  /// counts as set) are taken from dotenv_path when that path exists. Throws ConfigError
  /// naming the file when it is not a regular file (a directory, a dangling link), cannot
  /// be read, or has a malformed line (with its line number).
  static Environment from_process(const std::filesystem::path& dotenv_path);

  /// The value of name, nullopt when unset or empty.
  std::optional<std::string> get(const std::string& name) const;

  /// True when name is set, even to an empty value.
  bool is_set(const std::string& name) const { return m_variables.count(name) != 0; }

  /// The .env file that name's value came from; empty when it came from the process
  /// environment or name is unset. For messages.
  std::filesystem::path origin(const std::string& name) const;

 private:
  std::map<std::string, std::string> m_variables;
  std::filesystem::path m_dotenv_path;  ///< the .env file read, if any
  std::set<std::string> m_from_dotenv;  ///< names whose value came from it
};

}  // namespace migrate::config
