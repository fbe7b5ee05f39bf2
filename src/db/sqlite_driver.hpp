// The SQLite driver (SQLiteCpp). Internal: callers use db::open_driver.
#pragma once

#include <memory>

#include "migrate/db/driver.hpp"

namespace migrate::db {

/// Opens url's file. read_write creates the file and its folder when missing;
/// read_only never creates anything (a missing file reads as an empty database).
std::unique_ptr<Driver> open_sqlite(const config::DatabaseUrl& url, OpenMode mode);

}  // namespace migrate::db
