// Environment variables as an explicit value: the process environment over a .env file.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
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

  /// The process environment; variables that are not set there are taken from
  /// dotenv_path when that file exists.
  static Environment from_process(const std::filesystem::path& dotenv_path);

  /// The value of name, nullopt when unset or empty.
  std::optional<std::string> get(const std::string& name) const;

 private:
  std::map<std::string, std::string> m_variables;
};

}  // namespace migrate::config
