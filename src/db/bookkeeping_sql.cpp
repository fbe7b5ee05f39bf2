// migrate's bookkeeping script with the history table under the name the manifest gives it.
#include <stdexcept>

#include "migrate/db/bookkeeping_schema.hpp"

namespace migrate::db {

std::string bookkeeping_sql(std::string_view script, std::string_view quoted_table) {
  // The scripts in migrations/ stay plain SQL that can be read and run as they are: the
  // name is swapped in where the table is created, the one place it appears.
  constexpr std::string_view k_create = "CREATE TABLE IF NOT EXISTS schema_migrations (";
  const std::size_t at = script.find(k_create);
  if (at == std::string_view::npos || script.find(k_create, at + 1) != std::string_view::npos) {
    throw std::logic_error("the bookkeeping script must create schema_migrations exactly once");
  }
  std::string sql(script);
  sql.replace(at, k_create.size(), "CREATE TABLE IF NOT EXISTS " + std::string(quoted_table) + " (");
  return sql;
}

}  // namespace migrate::db
