// The exported entry point of libmigrate_pg.so (see db/postgres_module.hpp).
#include "db/postgres_module.hpp"

#include "db/postgres/postgres_driver.hpp"

namespace migrate::db {
std::unique_ptr<DataConnection> open_postgres_data(const config::DatabaseUrl& url);
}  // namespace migrate::db

extern "C" __attribute__((visibility("default"))) const migrate::db::PostgresModule migrate_postgres_module{
    migrate::db::k_postgres_module_abi, MIGRATE_VERSION, &migrate::db::open_postgres, &migrate::db::open_postgres_data};
