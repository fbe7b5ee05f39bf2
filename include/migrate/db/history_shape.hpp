// Whose table is the history table: migrate's own, another tool's (golang-migrate and
// dbmate also call theirs schema_migrations) or none yet; judged by its columns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace migrate::db {

/// What a table named like migrate's history table is.
enum class HistoryShape {
  absent,          ///< no such table: migrate creates its own
  own,             ///< migrate's: every column migrate reads and writes is there
  golang_migrate,  ///< golang-migrate's: (version bigint, dirty boolean)
  dbmate,          ///< dbmate's (and Rails'): (version varchar primary key)
  foreign,         ///< some other table
};

/// Classifies a table by its column names, in any order and any case; no columns means
/// absent. A pure function.
HistoryShape classify_history_table(const std::vector<std::string>& columns);

/// The refusal for a table that is not migrate's: names the table, the database, the tool
/// it looks like and the setting that avoids it ([defaults] history_table). Empty for
/// absent and own.
std::string foreign_history_message(HistoryShape shape, std::string_view table, std::string_view database,
                                    const std::vector<std::string>& columns);

/// Throws BlockedError (exit 4) with foreign_history_message() unless shape is absent or own.
void require_own_history_table(HistoryShape shape, std::string_view table, std::string_view database,
                               const std::vector<std::string>& columns);

/// Throws BlockedError (exit 4) when `table` (a history_table other than schema_migrations)
/// is absent while schema_migrations has migrate's shape (`default_shape`): the history is
/// still under its old name, and starting an empty one would run every revision again.
void require_history_not_left_behind(HistoryShape shape, HistoryShape default_shape, std::string_view table,
                                     std::string_view database);

/// Splits the comma-separated column list a catalog query returns ("" for none).
std::vector<std::string> split_columns(std::string_view list);

}  // namespace migrate::db
