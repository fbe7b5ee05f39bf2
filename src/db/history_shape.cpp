// Judging a history table by its columns, and the one refusal both drivers give for a
// table of another tool's.
#include "migrate/db/history_shape.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::db {

namespace {

// The columns migrate reads and writes (migrations/*/bookkeeping.sql).
const std::set<std::string> k_own_columns = {"service",    "version",     "name",       "kind", "checksum",
                                             "applied_at", "duration_ms", "applied_by", "dirty"};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

HistoryShape classify_history_table(const std::vector<std::string>& columns) {
  if (columns.empty()) return HistoryShape::absent;
  std::set<std::string> names;
  for (const std::string& column : columns) names.insert(lower(column));
  if (std::includes(names.begin(), names.end(), k_own_columns.begin(), k_own_columns.end())) {
    return HistoryShape::own;
  }
  if (names == std::set<std::string>{"version", "dirty"}) return HistoryShape::golang_migrate;
  if (names == std::set<std::string>{"version"}) return HistoryShape::dbmate;
  return HistoryShape::foreign;
}

std::string foreign_history_message(HistoryShape shape, std::string_view table, std::string_view database,
                                    const std::vector<std::string>& columns) {
  std::string whose;
  switch (shape) {
    case HistoryShape::absent:
    case HistoryShape::own: return {};
    case HistoryShape::golang_migrate: whose = "looks like golang-migrate's history, not migrate's"; break;
    case HistoryShape::dbmate: whose = "looks like dbmate's history, not migrate's"; break;
    case HistoryShape::foreign: whose = "is not migrate's history table"; break;
  }
  const std::string other = table == "migrate_history" ? "migrate_schema_history" : "migrate_history";
  return "the table " + std::string(table) + " in " + std::string(database) +
         " (columns: " + util::join(columns, ", ") + ") " + whose + "; migrate neither reads nor changes it. " +
         "Give migrate's history a table of its own in migrate.toml: [defaults] history_table = \"" + other + "\"";
}

void require_own_history_table(HistoryShape shape, std::string_view table, std::string_view database,
                               const std::vector<std::string>& columns) {
  if (shape == HistoryShape::absent || shape == HistoryShape::own) return;
  throw BlockedError(foreign_history_message(shape, table, database, columns));
}

void require_history_not_left_behind(HistoryShape shape, HistoryShape default_shape, std::string_view table,
                                     std::string_view database) {
  if (shape != HistoryShape::absent || default_shape != HistoryShape::own) return;
  const std::string name(table);
  throw BlockedError("migrate's history in " + std::string(database) +
                     " is in the table schema_migrations, but [defaults] history_table names " + name +
                     ", which does not exist: rename the table (ALTER TABLE schema_migrations RENAME TO " + name +
                     ") or remove the setting; starting an empty history would run every revision again");
}

std::vector<std::string> split_columns(std::string_view list) {
  std::vector<std::string> columns;
  if (list.empty()) return columns;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = list.find(',', start);
    columns.emplace_back(list.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return columns;
    start = end + 1;
  }
}

}  // namespace migrate::db
