// The PostgreSQL driver (libpqxx). Internal: callers use db::open_driver.
#pragma once

#include <memory>

#include "migrate/db/driver.hpp"

namespace migrate::db {

/// Connects to url; throws DatabaseUnreachable when the server cannot be reached.
std::unique_ptr<Driver> open_postgres(const config::DatabaseUrl& url);

}  // namespace migrate::db
