// The history another migration tool keeps in a database, read as values: what `adopt`
// reconciles with the service's revision files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/db/driver.hpp"
#include "migrate/model/revision.hpp"

namespace migrate::adopt {

/// The tools whose history `adopt` reads.
enum class Tool { drizzle, goose, flyway, golang_migrate, dbmate, alembic };

/// "drizzle", "goose", "flyway", "golang-migrate", "dbmate", "alembic".
std::string_view tool_name(Tool tool);

/// The tool called name; nullopt for any other word.
std::optional<Tool> parse_tool(std::string_view name);

/// The tools' names, "drizzle, goose, flyway, golang-migrate, dbmate, alembic", for messages.
std::string tool_names();

/// One row of the tool's history table, in the table's order.
struct ForeignRow {
  std::optional<Version> version;  ///< goose, flyway: the version the row names
  std::string label;               ///< how the row is named in messages ("version 3", "hash 1f2e…")
  std::string hash;                ///< drizzle: SHA-256 of the migration file, hex
  std::string id;                  ///< alembic: the revision id of a version_num row (a head)
  std::optional<std::int64_t> created_at;  ///< drizzle: the journal's `when` of the migration (ms)
  std::string applied_at;          ///< UTC, ISO 8601, where the tool records it ("" otherwise)
  bool applied = true;             ///< goose: is_applied; flyway: success
  bool baseline = false;           ///< flyway BASELINE, golang-migrate: everything up to it counts as applied
  std::string problem;             ///< why the row cannot be taken over (flyway "1.1", golang-migrate dirty)
};

/// A tool's history as found in a database.
struct ForeignHistory {
  Tool tool = Tool::drizzle;
  std::string table;  ///< the table read, e.g. drizzle.__drizzle_migrations (not found: the one looked for)
  bool found = false;  ///< false: no such table; `rows` is empty
  std::vector<ForeignRow> rows;
};

/// Reads tool's history table through the driver, in one transaction that changes
/// nothing: drizzle's `drizzle.__drizzle_migrations` (`__drizzle_migrations` on SQLite),
/// goose's `goose_db_version`, Flyway's `flyway_schema_history`, golang-migrate's and
/// dbmate's `schema_migrations`, Alembic's `alembic_version` (readable only when migrate's own history has another
/// name: `[defaults] history_table`). Throws the driver's errors.
ForeignHistory read_foreign_history(db::Driver& driver, Tool tool);

}  // namespace migrate::adopt
