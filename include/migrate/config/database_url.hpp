// Database URLs: postgres://, postgresql://, libpq key=value strings, sqlite:path.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "migrate/model/dialect.hpp"

namespace migrate::config {

/// The history table's name unless `[defaults] history_table` says otherwise.
inline constexpr std::string_view k_default_history_table = "schema_migrations";

/// A parsed database URL. `redacted` is the only form that may be printed.
struct DatabaseUrl {
  Dialect dialect = Dialect::sqlite;
  std::string conninfo;               ///< postgres: what libpq is given (holds the password)
  std::filesystem::path sqlite_path;  ///< sqlite: absolute path of the database file
  std::string redacted;               ///< safe to print: every secret parameter replaced by ***
  std::string password;               ///< postgres: decoded password, empty when none
  /// postgres: every other secret to mask: libpq's secret parameters (sslpassword …) as
  /// libpq decodes them, and every secret as it is spelled in the text (percent-encoded,
  /// quoted).
  std::vector<std::string> secrets;
  /// postgres: the keywords and values libpq reads from conninfo (PQconninfoParse), in
  /// libpq's order: exactly what a connection, or a child process, will use.
  std::vector<std::pair<std::string, std::string>> parameters;
  /// postgres: the service's `pooled` setting (true: behind a transaction pooler, so no
  /// session state; false: a direct connection); nullopt: the driver detects a pooler.
  std::optional<bool> pooled;
  /// The manifest's `[defaults] history_table`: the name of migrate's history table in
  /// this database (a validated identifier).
  std::string history_table = std::string(k_default_history_table);

  /// Identifies the database: two services with equal keys share one database.
  const std::string& key() const { return dialect == Dialect::sqlite ? redacted : conninfo; }
};

/// Parses text; relative SQLite paths are taken relative to base_dir. `source` names
/// where the text came from (an environment variable, --database-url) for messages.
/// Throws UsageError naming source, never echoing the text of a URL it refuses: for an
/// empty or blank text ("<source> is set but empty"), a URL libpq cannot parse, and a URI
/// whose user info libpq would read differently from a person (a raw '/', '@' or '%' in
/// the password: the message says to percent-encode them).
DatabaseUrl parse_database_url(std::string_view text, const std::filesystem::path& base_dir,
                               std::string_view source);

/// True for libpq's secret parameters (password, sslpassword): never printed, never in argv.
bool is_secret_parameter(std::string_view keyword);

/// Returns text with every occurrence of url's secrets (password, sslpassword, as decoded
/// and as written) masked, the longest first.
std::string redact(std::string text, const DatabaseUrl& url);

}  // namespace migrate::config
