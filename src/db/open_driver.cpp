// Picks the driver for a URL's dialect; the PostgreSQL one is loaded from its module
// (db/postgres_module.hpp) the first time it is needed.
#include <cstring>
#include <stdexcept>

#include "db/postgres_module.hpp"
#include "db/sqlite/sqlite_driver.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/shared_library.hpp"

namespace migrate::db {

namespace {

const PostgresModule& load_postgres_module() {
  const std::string fix = " (it is built beside the migrate binary; install it there or in ../lib/migrate/)";
  try {
    const util::SharedLibrary library = util::load_module(k_postgres_module_file);
    const auto* module = static_cast<const PostgresModule*>(library.symbol(k_postgres_module_symbol));
    if (module->abi != k_postgres_module_abi || std::strcmp(module->version, MIGRATE_VERSION) != 0) {
      throw std::runtime_error(library.path() + " is from another build of migrate (version " +
                               std::string(module->version) + ")");
    }
    return *module;
  } catch (const std::runtime_error& e) {
    throw UsageError(std::string("cannot load the PostgreSQL driver ") + k_postgres_module_file + fix + ": " +
                     e.what());
  }
}

}  // namespace

const PostgresModule& postgres_module() {
  static const PostgresModule& module = load_postgres_module();
  return module;
}

std::unique_ptr<Driver> open_driver(const config::DatabaseUrl& url, OpenMode mode) {
  // PostgreSQL sessions are read-write by nature; read_only callers simply never write.
  if (url.dialect == Dialect::postgres) {
    return postgres_module().open(url);
  }
  return open_sqlite(url, mode);
}

}  // namespace migrate::db
