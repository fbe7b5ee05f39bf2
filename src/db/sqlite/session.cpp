// The SQLite step session: C++ steps and imports run in an IMMEDIATE transaction.
// $1, $2 … are SQLite named parameters; binding them by name keeps $2-before-$1 correct.
#include "db/sqlite/session.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "db/sqlite/sqlite_driver.hpp"

namespace migrate::db {

namespace {

void bind(SQLite::Statement& statement, const std::vector<step::Value>& params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string name = "$" + std::to_string(i + 1);
    const step::Value& value = params[i];
    if (std::holds_alternative<std::nullptr_t>(value))
      statement.bind(name);
    else if (const auto* integer = std::get_if<std::int64_t>(&value))
      statement.bind(name, static_cast<int64_t>(*integer));
    else if (const auto* real = std::get_if<double>(&value))
      statement.bind(name, *real);
    else
      statement.bind(name, std::get<std::string>(value));
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

// Runs body in an IMMEDIATE transaction, then record(milliseconds body took), then
// commits; anything thrown rolls back and becomes RevisionFailed.
template <typename Record>
void SqliteDriver::step_transaction(const StepBody& body, Record&& record) {
  try {
    ForeignKeysOff off(m_db, m_foreign_keys_off);
    ImmediateTransaction tx(m_db);
    SqliteSession session(m_db);
    const auto started = std::chrono::steady_clock::now();
    body(session);
    record(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
    check_foreign_keys();
    refresh_heartbeat();
    tx.commit();
  } catch (const SQLite::Exception& e) {
    rethrow_translated(e);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw RevisionFailed(e.what());
  }
}

void SqliteDriver::apply_step(const StepBody& body, const HistoryRow& row) {
  step_transaction(body, [&](std::int64_t elapsed_ms) { insert(row, elapsed_ms); });
}

void SqliteDriver::revert_step(const StepBody& body, const std::string& service, Version version) {
  step_transaction(body, [&](std::int64_t) { remove(service, version); });
}

void SqliteDriver::transact(const StepBody& body) {
  step_transaction(body, [](std::int64_t) {});
}

}  // namespace migrate::db
