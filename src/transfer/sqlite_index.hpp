// SQLite's CREATE INDEX statements read into parts (name, uniqueness, columns, a simple
// WHERE), so that schema_convert can write them again for PostgreSQL. Private to transfer/.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace migrate::transfer {

/// One CREATE INDEX as far as it can be carried over.
struct SqliteIndex {
  bool portable = false;
  std::string why;  ///< when not portable: what stands in the way
  bool unique = false;
  std::string name;
  std::string table;
  /// Columns (source names) with "" or "ASC"/"DESC".
  std::vector<std::pair<std::string, std::string>> columns;
  /// A partial index's predicate as (column, "IS NULL" | "IS NOT NULL") terms joined by AND.
  std::vector<std::pair<std::string, std::string>> where;
};

/// Reads one statement; never throws (unreadable text comes back not portable).
SqliteIndex parse_sqlite_index(const std::string& sql);

/// name quoted as a PostgreSQL identifier.
std::string quote_identifier(const std::string& name);

}  // namespace migrate::transfer
