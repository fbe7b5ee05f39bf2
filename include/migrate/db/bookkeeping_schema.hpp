// migrate's own SQL per dialect, embedded from migrations/ at build time.
#pragma once

#include <string>
#include <string_view>

namespace migrate::db {

extern const std::string_view k_postgres_bookkeeping_sql;
extern const std::string_view k_sqlite_bookkeeping_sql;
/// Drops every user object of a PostgreSQL database (run before a restore).
extern const std::string_view k_postgres_clear_schemas_sql;

/// A bookkeeping script (k_postgres_bookkeeping_sql, k_sqlite_bookkeeping_sql) that creates
/// the history table as quoted_table (a quoted identifier, `[defaults] history_table`)
/// instead of schema_migrations; migration_lock keeps its name.
std::string bookkeeping_sql(std::string_view script, std::string_view quoted_table);

}  // namespace migrate::db
