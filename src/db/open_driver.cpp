// Picks the driver for a URL's dialect.
#include "db/postgres/postgres_driver.hpp"
#include "db/sqlite/sqlite_driver.hpp"

namespace migrate::db {

std::unique_ptr<Driver> open_driver(const config::DatabaseUrl& url, OpenMode mode) {
  // PostgreSQL sessions are read-write by nature; read_only callers simply never write.
  if (url.dialect == Dialect::postgres) return open_postgres(url);
  return open_sqlite(url, mode);
}

}  // namespace migrate::db
