// migrate's own bookkeeping schema per dialect, embedded from migrations/ at build time.
#pragma once

#include <string_view>

namespace migrate::db {

extern const std::string_view k_postgres_bookkeeping_sql;
extern const std::string_view k_sqlite_bookkeeping_sql;

}  // namespace migrate::db
