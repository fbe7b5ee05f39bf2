// The PostgreSQL step session: C++ steps and imports run in a libpqxx transaction.
// Parameters travel as text (libpq's PQexecParams), so the server types them from context;
// large results stream through a NO SCROLL cursor fetched in chunks.
#include "db/postgres/session.hpp"

#include <chrono>
#include <sstream>

#include "db/postgres/postgres_driver.hpp"

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

// Runs body in a libpqxx transaction (rolled back by its destructor on any exception),
// then record(tx, milliseconds body took), then commits.
template <typename Record>
void PostgresDriver::step_transaction(const StepBody& body, Record&& record) {
  try {
    pqxx::work tx(*m_conn);
    if (const std::string settings = timeout_settings(m_timeouts, "LOCAL "); !settings.empty()) tx.exec(settings);
    PostgresSession session(tx);
    const auto started = std::chrono::steady_clock::now();
    body(session);
    record(tx,
           std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
    tx.commit();
  } catch (const pqxx::broken_connection& e) {
    throw DatabaseUnreachable("lost the connection to " + m_url.redacted +
                              " during a transaction (the server rolls it back): " + lost_reason(e));
  } catch (const pqxx::sql_error& e) {
    throw_if_interrupted(e);
    throw RevisionFailed(config::redact(describe(e), m_url), e.sqlstate());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw RevisionFailed(config::redact(e.what(), m_url));
  }
}

void PostgresDriver::apply_step(const StepBody& body, const HistoryRow& row) {
  step_transaction(body, [&](pqxx::work& tx, std::int64_t elapsed_ms) {
    tx.exec(restore_session());
    tx.exec(insert_statement(row, std::to_string(elapsed_ms)));
  });
}

void PostgresDriver::revert_step(const StepBody& body, const std::string& service, Version version) {
  step_transaction(body, [&](pqxx::work& tx, std::int64_t) {
    tx.exec(restore_session());
    tx.exec(delete_statement(service, version));
  });
}

void PostgresDriver::transact(const StepBody& body) {
  step_transaction(body, [](pqxx::work&, std::int64_t) {});
}

}  // namespace migrate::db
