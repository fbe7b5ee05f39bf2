// The entry point of the PostgreSQL driver module (libmigrate_pg.so): the driver and
// libpqxx/libpq live in a shared object that open_driver loads the first time a
// PostgreSQL URL is opened, so that a SQLite-only run never maps libpq and its
// Kerberos/LDAP/TLS chain. The module takes everything else from the executable.
#pragma once

#include <memory>

#include "migrate/config/database_url.hpp"
#include "migrate/db/data_connection.hpp"
#include "migrate/db/driver.hpp"

namespace migrate::db {

/// What the module exports under k_postgres_module_symbol.
struct PostgresModule {
  int abi;              ///< k_postgres_module_abi of the module's build
  const char* version;  ///< the project version the module was built from
  std::unique_ptr<Driver> (*open)(const config::DatabaseUrl& url);
  /// A data connection for transfers (db/data_connection.hpp).
  std::unique_ptr<DataConnection> (*open_data)(const config::DatabaseUrl& url);
};

/// Raised whenever PostgresModule changes shape.
constexpr int k_postgres_module_abi = 2;

/// The module, loaded on the first call (thread-safe). Throws UsageError naming the file
/// and where it was looked for when it cannot be loaded.
const PostgresModule& postgres_module();
constexpr const char* k_postgres_module_symbol = "migrate_postgres_module";
constexpr const char* k_postgres_module_file = "libmigrate_pg.so";

}  // namespace migrate::db
