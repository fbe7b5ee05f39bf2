// $1, $2 … are SQLite named parameters; binding them by name keeps $2-before-$1 correct.
#include "db/sqlite_session.hpp"

#include <cstdio>
#include <stdexcept>

namespace migrate::db {

namespace {

void bind(SQLite::Statement& statement, const std::vector<step::Value>& params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string name = "$" + std::to_string(i + 1);
    const step::Value& value = params[i];
    if (std::holds_alternative<std::nullptr_t>(value)) statement.bind(name);
    else if (const auto* integer = std::get_if<std::int64_t>(&value)) statement.bind(name, static_cast<int64_t>(*integer));
    else if (const auto* real = std::get_if<double>(&value)) statement.bind(name, *real);
    else statement.bind(name, std::get<std::string>(value));
  }
}

}  // namespace

void SqliteSession::execute(const std::string& sql) { m_db.exec(sql); }

std::int64_t SqliteSession::execute(const std::string& sql, const std::vector<step::Value>& params) {
  SQLite::Statement statement(m_db, sql);
  bind(statement, params);
  return statement.exec();
}

void SqliteSession::for_each(const std::string& sql, const std::vector<step::Value>& params,
                             const std::function<void(const step::Row&)>& on_row) {
  SQLite::Statement statement(m_db, sql);
  bind(statement, params);
  const int columns = statement.getColumnCount();
  while (statement.executeStep()) {
    std::vector<std::optional<std::string>> values;
    values.reserve(static_cast<std::size_t>(columns));
    for (int i = 0; i < columns; ++i) {
      const SQLite::Column column = statement.getColumn(i);
      if (column.isNull()) {
        values.emplace_back(std::nullopt);
      } else if (column.isFloat()) {
        // SQLite's own text form keeps 15 digits; 17 round-trip a double exactly.
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.17g", column.getDouble());
        values.emplace_back(buffer);
      } else {
        values.emplace_back(column.getString());
      }
    }
    on_row(step::Row(std::move(values)));
  }
}

}  // namespace migrate::db
