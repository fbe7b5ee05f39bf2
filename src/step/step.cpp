// Rows, the Session helpers, batch inserts and the step registry.
#include "migrate/step/step.hpp"

#include <stdexcept>

namespace migrate::step {

namespace {

std::vector<StepDefinition>& registry() {
  static std::vector<StepDefinition> steps;  // the one mutable global (STYLE rule 5)
  return steps;
}

}  // namespace

bool register_step(const StepDefinition& step) {
  registry().push_back(step);
  return true;
}

const std::vector<StepDefinition>& registered_steps() { return registry(); }

bool Row::is_null(std::size_t column) const { return !m_values.at(column).has_value(); }

const std::string& Row::text(std::size_t column) const {
  const std::optional<std::string>& value = m_values.at(column);
  if (!value) throw std::runtime_error("column " + std::to_string(column) + " is NULL");
  return *value;
}

std::int64_t Row::integer(std::size_t column) const {
  const std::string& value = text(column);
  std::size_t used = 0;
  const long long parsed = std::stoll(value, &used);
  if (used != value.size()) throw std::runtime_error("column " + std::to_string(column) + " is not an integer: " + value);
  return parsed;
}

double Row::real(std::size_t column) const {
  const std::string& value = text(column);
  std::size_t used = 0;
  const double parsed = std::stod(value, &used);
  if (used != value.size()) throw std::runtime_error("column " + std::to_string(column) + " is not a number: " + value);
  return parsed;
}

std::optional<std::string> Row::optional_text(std::size_t column) const {
  return is_null(column) ? std::nullopt : std::optional<std::string>(text(column));
}

std::optional<std::int64_t> Row::optional_integer(std::size_t column) const {
  return is_null(column) ? std::nullopt : std::optional<std::int64_t>(integer(column));
}

std::vector<Row> Session::query(const std::string& sql, const std::vector<Value>& params) {
  std::vector<Row> rows;
  for_each(sql, params, [&](const Row& row) { rows.push_back(row); });
  return rows;
}

std::optional<Row> Session::query_one(const std::string& sql, const std::vector<Value>& params) {
  std::vector<Row> rows = query(sql, params);
  if (rows.size() > 1) throw std::runtime_error("expected at most one row, got " + std::to_string(rows.size()) + ": " + sql);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

bool Session::table_exists(const std::string& table) {
  const char* sql = dialect() == Dialect::postgres
                        ? "SELECT count(*) FROM pg_catalog.pg_class WHERE oid = to_regclass($1) AND relkind IN ('r', 'p')"
                        : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1";
  return query_one(sql, {table})->integer(0) > 0;
}

std::string quote_identifier(const std::string& name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

BatchInserter::BatchInserter(Session& session, std::string table, std::vector<std::string> columns,
                             std::size_t batch_size)
    : m_session(session), m_columns(columns.size()), m_batch_size(batch_size == 0 ? 1 : batch_size) {
  if (columns.empty()) throw std::invalid_argument("BatchInserter needs at least one column");
  m_prefix = "INSERT INTO " + quote_identifier(table) + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) m_prefix += (i ? ", " : "") + quote_identifier(columns[i]);
  m_prefix += ") VALUES ";
  m_pending.reserve(m_batch_size * m_columns);
}

void BatchInserter::add(std::vector<Value> row) {
  if (row.size() != m_columns) {
    throw std::invalid_argument("BatchInserter: expected " + std::to_string(m_columns) + " values, got " +
                                std::to_string(row.size()));
  }
  for (Value& value : row) m_pending.push_back(std::move(value));
  if (m_pending.size() >= m_batch_size * m_columns) flush();
}

std::int64_t BatchInserter::finish() {
  flush();
  return m_inserted;
}

void BatchInserter::flush() {
  if (m_pending.empty()) return;
  const std::size_t rows = m_pending.size() / m_columns;
  std::string sql = m_prefix;
  std::size_t parameter = 1;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r ? ", (" : "(";
    for (std::size_t c = 0; c < m_columns; ++c) sql += (c ? ", $" : "$") + std::to_string(parameter++);
    sql += ")";
  }
  m_session.execute(sql, m_pending);
  m_inserted += static_cast<std::int64_t>(rows);
  m_pending.clear();
}

}  // namespace migrate::step
