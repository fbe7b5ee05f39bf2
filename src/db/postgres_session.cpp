// Parameters travel as text (libpq's PQexecParams), so the server types them from context;
// large results stream through a NO SCROLL cursor fetched in chunks.
#include "db/postgres_session.hpp"

#include <sstream>

namespace migrate::db {

namespace {

constexpr int k_fetch_rows = 1000;

std::optional<std::string> to_text(const step::Value& value) {
  if (std::holds_alternative<std::nullptr_t>(value)) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) {
    std::ostringstream out;
    out.precision(17);
    out << *d;
    return out.str();
  }
  return std::get<std::string>(value);
}

step::Row to_row(const pqxx::row& row) {
  std::vector<std::optional<std::string>> values;
  values.reserve(row.size());
  for (const pqxx::field& field : row) {
    values.push_back(field.is_null() ? std::nullopt : std::optional<std::string>(field.c_str()));
  }
  return step::Row(std::move(values));
}

}  // namespace

pqxx::result PostgresSession::run(const std::string& sql, const std::vector<step::Value>& params) {
  std::vector<std::optional<std::string>> texts;
  texts.reserve(params.size());
  for (const step::Value& value : params) texts.push_back(to_text(value));
  std::vector<const char*> pointers;  // nullptr is SQL NULL for libpqxx
  pointers.reserve(texts.size());
  for (const auto& text : texts) pointers.push_back(text ? text->c_str() : nullptr);
  return m_tx.exec_params(sql, pqxx::prepare::make_dynamic_params(pointers));
}

void PostgresSession::execute(const std::string& sql) { m_tx.exec(sql); }

std::int64_t PostgresSession::execute(const std::string& sql, const std::vector<step::Value>& params) {
  return static_cast<std::int64_t>(run(sql, params).affected_rows());
}

std::vector<step::Row> PostgresSession::query(const std::string& sql, const std::vector<step::Value>& params) {
  std::vector<step::Row> rows;
  for (const pqxx::row& row : run(sql, params)) rows.push_back(to_row(row));
  return rows;
}

void PostgresSession::for_each(const std::string& sql, const std::vector<step::Value>& params,
                               const std::function<void(const step::Row&)>& on_row) {
  const std::string cursor = "migrate_step_cursor_" + std::to_string(++m_cursors);
  run("DECLARE " + cursor + " NO SCROLL CURSOR FOR " + sql, params);
  for (;;) {
    const pqxx::result chunk = m_tx.exec("FETCH FORWARD " + std::to_string(k_fetch_rows) + " FROM " + cursor);
    for (const pqxx::row& row : chunk) on_row(to_row(row));
    if (chunk.size() < static_cast<pqxx::result::size_type>(k_fetch_rows)) break;
  }
  m_tx.exec("CLOSE " + cursor);
}

}  // namespace migrate::db
