// Picks the data connection for a URL's dialect; the parts of data_connection.hpp that
// belong to neither database.
#include "migrate/db/data_connection.hpp"

#include <array>

#include "db/postgres_module.hpp"

namespace migrate::db {

std::unique_ptr<DataConnection> open_sqlite_data(const config::DatabaseUrl& url, bool read_only);

std::unique_ptr<DataConnection> open_data_connection(const config::DatabaseUrl& url, bool read_only) {
  if (url.dialect == Dialect::postgres) return postgres_module().open_data(url);
  return open_sqlite_data(url, read_only);
}

const ColumnInfo* TableInfo::column(std::string_view column_name) const {
  for (const ColumnInfo& each : columns) {
    if (each.name == column_name) return &each;
  }
  return nullptr;
}

bool is_bookkeeping_table(std::string_view name) {
  static constexpr std::array<std::string_view, 10> k_names = {
      "schema_migrations", "migration_lock", "migrate_transfer_progress", "migrate_transfer_runs",
      "migrate_transfer_undo",
      "alembic_version", "__drizzle_migrations", "goose_db_version", "flyway_schema_history",
      "sqlite_sequence"};
  for (std::string_view each : k_names) {
    if (name == each) return true;
  }
  return false;
}

void append_copy_text(std::string& line, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\': line += "\\\\"; break;
      case '\t': line += "\\t"; break;
      case '\n': line += "\\n"; break;
      case '\r': line += "\\r"; break;
      default: line += c;
    }
  }
}

}  // namespace migrate::db
