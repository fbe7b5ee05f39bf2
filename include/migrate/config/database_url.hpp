// Database URLs: postgres://, postgresql://, libpq key=value strings, sqlite:path.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/model/dialect.hpp"

namespace migrate::config {

/// A parsed database URL. `redacted` is the only form that may be printed.
struct DatabaseUrl {
  Dialect dialect = Dialect::sqlite;
  std::string conninfo;               ///< postgres: what libpq is given (holds the password)
  std::filesystem::path sqlite_path;  ///< sqlite: absolute path of the database file
  std::string redacted;               ///< safe to print: the password replaced by ***
  std::string conninfo_without_password;  ///< postgres: for child processes (password via PGPASSWORD)
  std::string password;               ///< postgres: decoded password, empty when none
  std::vector<std::string> secrets;   ///< other spellings of the password (percent-encoded)

  /// Identifies the database: two services with equal keys share one database.
  const std::string& key() const { return dialect == Dialect::sqlite ? redacted : conninfo; }
};

/// Parses text; relative SQLite paths are taken relative to base_dir. `source` names
/// where the text came from (an environment variable, --database-url) for messages.
/// Throws UsageError naming source, never echoing a password.
DatabaseUrl parse_database_url(std::string_view text, const std::filesystem::path& base_dir,
                               std::string_view source);

/// Returns text with every occurrence of url's password (raw and percent-encoded) masked.
std::string redact(std::string text, const DatabaseUrl& url);

}  // namespace migrate::config
