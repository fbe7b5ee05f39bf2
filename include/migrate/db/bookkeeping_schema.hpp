// migrate's own SQL per dialect, embedded from migrations/ at build time.
#pragma once

#include <string_view>

namespace migrate::db {

extern const std::string_view k_postgres_bookkeeping_sql;
extern const std::string_view k_sqlite_bookkeeping_sql;
/// Drops every user object of a PostgreSQL database (run before a restore).
extern const std::string_view k_postgres_clear_schemas_sql;

}  // namespace migrate::db
