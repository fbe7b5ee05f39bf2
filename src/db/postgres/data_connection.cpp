// The PostgreSQL data connection for transfers, on libpq directly: COPY in both
// directions (PQgetCopyData/PQputCopyData) is the fast path, and libpqxx 6.4 would copy
// every row twice on the way.
#include <libpq-fe.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <variant>

#include "migrate/db/data_connection.hpp"
#include "migrate/step/step.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/text.hpp"

namespace migrate::db {

std::unique_ptr<DataConnection> open_postgres_data(const config::DatabaseUrl& url);

namespace {

void cancel_request(void* cancel) noexcept {
  char error[256];
  PQcancel(static_cast<PGcancel*>(cancel), error, sizeof error);
}

struct ResultFree {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultFree>;

// Undoes COPY text escaping of one field in place.
void unescape_copy_field(const char* begin, const char* end, Cell& cell) {
  if (end - begin == 2 && begin[0] == '\\' && begin[1] == 'N') {
    cell.kind = CellKind::null;
    cell.text.clear();
    return;
  }
  cell.kind = CellKind::text;
  cell.text.clear();
  for (const char* p = begin; p < end; ++p) {
    if (*p != '\\' || p + 1 == end) {
      cell.text.push_back(*p);
      continue;
    }
    const char c = *++p;
    switch (c) {
      case 'n': cell.text.push_back('\n'); break;
      case 't': cell.text.push_back('\t'); break;
      case 'r': cell.text.push_back('\r'); break;
      case 'b': cell.text.push_back('\b'); break;
      case 'f': cell.text.push_back('\f'); break;
      case 'v': cell.text.push_back('\v'); break;
      default: cell.text.push_back(c); break;  // \\ and any other escaped character
    }
  }
}

class PostgresData;

// COPY (SELECT …) TO STDOUT, a line per row.
class CopyOutCursor final : public RowCursor {
 public:
  CopyOutCursor(PostgresData& owner, std::size_t columns) : m_owner(owner), m_columns(columns) {}
  ~CopyOutCursor() override;
  bool next(Row& row) override;

 private:
  PostgresData& m_owner;
  std::size_t m_columns;
  bool m_done = false;
};

class PostgresData final : public DataConnection {
 public:
  explicit PostgresData(const config::DatabaseUrl& url) : m_url(url) {
    m_conn = PQconnectdb(url.conninfo.c_str());
    if (m_conn == nullptr || PQstatus(m_conn) != CONNECTION_OK) {
      const std::string detail = m_conn ? PQerrorMessage(m_conn) : "out of memory";
      if (m_conn) PQfinish(m_conn);
      m_conn = nullptr;
      throw DatabaseUnreachable("cannot connect to " + url.redacted + ": " +
                                config::redact(std::string(util::trim(detail.substr(0, detail.find('\n')))), url));
    }
    m_cancel = PQgetCancel(m_conn);
    if (m_cancel) m_registration = std::make_unique<util::CancelRegistration>(cancel_request, m_cancel);
    execute("SET client_min_messages TO warning; SET application_name TO 'migrate transfer'");
  }

  ~PostgresData() override {
    m_registration.reset();
    if (m_cancel) PQfreeCancel(m_cancel);
    if (m_conn) PQfinish(m_conn);
  }

  Dialect dialect() const override { return Dialect::postgres; }

  std::vector<TableInfo> tables() override;

  std::unique_ptr<RowCursor> scan(const Scan& scan) override {
    std::string columns;
    for (const std::string& column : scan.columns) columns += (columns.empty() ? "" : ", ") + quote_name(column);
    std::string sql = "COPY (SELECT " + columns + " FROM " + quote_name(scan.table);
    if (!scan.where.empty()) sql += " WHERE " + scan.where;
    if (!scan.order_by.empty()) sql += " ORDER BY " + scan.order_by;
    if (scan.offset > 0) sql += " OFFSET " + std::to_string(scan.offset);
    sql += ") TO STDOUT";
    Result result(PQexec(m_conn, sql.c_str()));
    if (PQresultStatus(result.get()) != PGRES_COPY_OUT) fail(result.get(), "reading " + scan.table);
    return std::make_unique<CopyOutCursor>(*this, scan.columns.size());
  }

  std::vector<Row> query(const std::string& sql) override {
    Result result(PQexec(m_conn, sql.c_str()));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(result.get(), "");
    std::vector<Row> rows(static_cast<std::size_t>(PQntuples(result.get())));
    const int columns = PQnfields(result.get());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      rows[r].resize(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        Cell& cell = rows[r][static_cast<std::size_t>(c)];
        if (PQgetisnull(result.get(), static_cast<int>(r), c)) continue;
        cell.kind = CellKind::text;
        cell.text.assign(PQgetvalue(result.get(), static_cast<int>(r), c),
                         static_cast<std::size_t>(PQgetlength(result.get(), static_cast<int>(r), c)));
      }
    }
    return rows;
  }

  void execute(const std::string& sql) override {
    Result result(PQexec(m_conn, sql.c_str()));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(result.get(), "");
  }

  void begin() override { execute("BEGIN"); }
  void commit() override { execute("COMMIT"); }
  void rollback() noexcept override {
    if (m_conn == nullptr || PQstatus(m_conn) != CONNECTION_OK) return;
    if (PQtransactionStatus(m_conn) == PQTRANS_IDLE) return;
    PQclear(PQexec(m_conn, "ROLLBACK"));
  }

  void copy_in(const std::string& table, const std::string& columns, const std::string& data) override {
    const auto stream = copy_from(table, columns, "");
    stream->write(data);
    stream->finish();
  }

  std::unique_ptr<CopyStream> copy_from(const std::string& table, const std::string& columns,
                                        const std::string& before) override;

  std::unique_ptr<step::Session> session() override;

  std::string quote_name(std::string_view name) const override { return step::quote_identifier(std::string(name)); }

  std::string quote(std::string_view text) const override {
    std::string out = "'";
    for (char c : text) {
      if (c == '\'') out += '\'';
      out += c;
    }
    return out + "'";
  }

  PGconn* raw() { return m_conn; }

  // Reads what is left of a result set so the connection can take the next command.
  void drain() noexcept {
    while (PGresult* rest = PQgetResult(m_conn)) PQclear(rest);
  }

  [[noreturn]] void lost() {
    const std::string detail = PQerrorMessage(m_conn);
    util::throw_if_interrupted();
    throw DatabaseUnreachable("lost the connection to " + m_url.redacted + ": " +
                              config::redact(std::string(util::trim(detail.substr(0, detail.find('\n')))), m_url));
  }

  // Throws the error of result: Interrupted when our own cancel stopped it,
  // DatabaseUnreachable when the connection is gone, else RevisionFailed.
  [[noreturn]] void fail(PGresult* result, const std::string& doing) {
    if (PQstatus(m_conn) != CONNECTION_OK) lost();
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state ? state : "";
    if (sqlstate == "57014") util::throw_if_interrupted();
    std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(m_conn);
    message = std::string(util::trim(message));
    if (util::starts_with(message, "ERROR:")) message = std::string(util::trim(message.substr(6)));
    message = message.substr(0, message.find('\n'));  // LINE/HINT/CONTEXT lines point into our own SQL
    rollback();
    throw RevisionFailed(config::redact((doing.empty() ? "" : doing + ": ") + message, m_url), sqlstate);
  }

 private:
  config::DatabaseUrl m_url;
  PGconn* m_conn = nullptr;
  PGcancel* m_cancel = nullptr;
  std::unique_ptr<util::CancelRegistration> m_registration;
};

// COPY … FROM STDIN on the connection, fed by write().
class CopyInStream final : public CopyStream {
 public:
  explicit CopyInStream(PostgresData& owner) : m_owner(owner) {}
  ~CopyInStream() override {
    if (m_open) {
      PQputCopyEnd(m_owner.raw(), "abandoned");
      m_owner.drain();
    }
  }

  void write(std::string_view data) override {
    while (!data.empty()) {
      const std::size_t part = std::min<std::size_t>(data.size(), 1 << 30);
      if (PQputCopyData(m_owner.raw(), data.data(), static_cast<int>(part)) != 1) {
        m_open = false;
        m_owner.lost();
      }
      data.remove_prefix(part);
    }
  }

  void finish() override {
    m_open = false;
    if (PQputCopyEnd(m_owner.raw(), nullptr) != 1) m_owner.lost();
    Result end(PQgetResult(m_owner.raw()));
    if (PQresultStatus(end.get()) != PGRES_COMMAND_OK) {
      m_owner.drain();
      m_owner.fail(end.get(), "");
    }
    m_owner.drain();
  }

 private:
  PostgresData& m_owner;
  bool m_open = true;
};

CopyOutCursor::~CopyOutCursor() {
  if (m_done) return;
  // Abandoned midway: cancel the rest of the COPY and read it to its end.
  PGcancel* cancel = PQgetCancel(m_owner.raw());
  if (cancel) {
    char error[256];
    PQcancel(cancel, error, sizeof error);
    PQfreeCancel(cancel);
  }
  char* line = nullptr;
  while (PQgetCopyData(m_owner.raw(), &line, 0) > 0) PQfreemem(line);
  m_owner.drain();
}

bool CopyOutCursor::next(Row& row) {
  if (m_done) return false;
  char* line = nullptr;
  const int length = PQgetCopyData(m_owner.raw(), &line, 0);
  if (length == -1) {
    m_done = true;
    Result end(PQgetResult(m_owner.raw()));
    if (PQresultStatus(end.get()) != PGRES_COMMAND_OK) {
      m_owner.drain();
      m_owner.fail(end.get(), "");
    }
    m_owner.drain();
    return false;
  }
  if (length < 0) {
    m_done = true;
    m_owner.lost();
  }
  std::unique_ptr<char, void (*)(void*)> owned(line, PQfreemem);
  row.resize(m_columns);
  const char* end = line + length;
  if (end > line && end[-1] == '\n') --end;
  const char* field = line;
  std::size_t index = 0;
  for (const char* p = line;; ++p) {
    if (p == end || *p == '\t') {
      if (index < m_columns) unescape_copy_field(field, p, row[index]);
      ++index;
      if (p == end) break;
      field = p + 1;
    }
  }
  return true;
}

std::string text_of(const Cell& cell) { return cell.text; }

// Cancels the statement running on conn and reads what is left of its results.
void cancel_and_drain(PostgresData& owner) noexcept {
  if (PGcancel* cancel = PQgetCancel(owner.raw())) {
    char error[256];
    PQcancel(cancel, error, sizeof error);
    PQfreeCancel(cancel);
  }
  owner.drain();
}

// A step session over the data connection: parameters sent as text beside the statement
// (PQexecParams), the server inferring their types as it does for libpqxx's.
class PostgresDataSession final : public step::Session {
 public:
  explicit PostgresDataSession(PostgresData& owner) : m_owner(owner) {}

  Dialect dialect() const override { return Dialect::postgres; }

  void execute(const std::string& sql) override { m_owner.execute(sql); }

  std::int64_t execute(const std::string& sql, const std::vector<step::Value>& params) override {
    Result result(send(sql, params));
    const char* changed = PQcmdTuples(result.get());
    return changed != nullptr && *changed != '\0' ? std::stoll(changed) : 0;
  }

  void for_each(const std::string& sql, const std::vector<step::Value>& params,
                const std::function<void(const step::Row&)>& on_row) override {
    Parameters bound(params);
    if (PQsendQueryParams(m_owner.raw(), sql.c_str(), bound.count(), nullptr, bound.values(), nullptr, nullptr, 0) != 1) {
      m_owner.lost();
    }
    PQsetSingleRowMode(m_owner.raw());
    try {
      while (true) {
        Result result(PQgetResult(m_owner.raw()));
        if (!result) break;
        const ExecStatusType status = PQresultStatus(result.get());
        if (status == PGRES_SINGLE_TUPLE) {
          on_row(row_of(result.get(), 0));
        } else if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
          m_owner.drain();
          m_owner.fail(result.get(), "");
        }
      }
    } catch (...) {
      cancel_and_drain(m_owner);
      throw;
    }
  }

  std::vector<step::Row> query(const std::string& sql, const std::vector<step::Value>& params) override {
    Result result(send(sql, params));
    std::vector<step::Row> rows;
    const int count = PQntuples(result.get());
    rows.reserve(static_cast<std::size_t>(count));
    for (int r = 0; r < count; ++r) rows.push_back(row_of(result.get(), r));
    return rows;
  }

 private:
  // Values as text parameters (NULL as a null pointer), kept alive for the call.
  class Parameters {
   public:
    explicit Parameters(const std::vector<step::Value>& params) {
      m_text.reserve(params.size());
      for (const step::Value& value : params) {
        if (std::holds_alternative<std::nullptr_t>(value)) {
          m_text.emplace_back(std::nullopt);
        } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
          m_text.emplace_back(std::to_string(*integer));
        } else if (const auto* real = std::get_if<double>(&value)) {
          char buffer[32];
          std::snprintf(buffer, sizeof buffer, "%.17g", *real);
          m_text.emplace_back(buffer);
        } else {
          m_text.emplace_back(std::get<std::string>(value));
        }
      }
      for (const auto& text : m_text) m_values.push_back(text ? text->c_str() : nullptr);
    }
    int count() const { return static_cast<int>(m_values.size()); }
    const char* const* values() const { return m_values.empty() ? nullptr : m_values.data(); }

   private:
    std::vector<std::optional<std::string>> m_text;
    std::vector<const char*> m_values;
  };

  PGresult* send(const std::string& sql, const std::vector<step::Value>& params) {
    Parameters bound(params);
    Result result(PQexecParams(m_owner.raw(), sql.c_str(), bound.count(), nullptr, bound.values(), nullptr, nullptr, 0));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) m_owner.fail(result.get(), "");
    return result.release();
  }

  static step::Row row_of(PGresult* result, int row) {
    const int columns = PQnfields(result);
    std::vector<std::optional<std::string>> values;
    values.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result, row, c)) {
        values.emplace_back(std::nullopt);
      } else {
        values.emplace_back(std::string(PQgetvalue(result, row, c), static_cast<std::size_t>(PQgetlength(result, row, c))));
      }
    }
    return step::Row(std::move(values));
  }

  PostgresData& m_owner;
};

}  // namespace

std::unique_ptr<step::Session> PostgresData::session() { return std::make_unique<PostgresDataSession>(*this); }

std::vector<TableInfo> PostgresData::tables() {
  std::vector<TableInfo> out;
  for (const Row& row : query(
           "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
           "a.atthasdef OR a.attidentity <> '', a.attidentity <> '' OR coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid) "
           "LIKE 'nextval(%', false) "
           "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
           "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
           "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
           "WHERE n.nspname = pg_catalog.current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
           "AND NOT a.attisdropped ORDER BY c.relname, a.attnum")) {
    const std::string& table = row[0].text;
    if (is_bookkeeping_table(table)) continue;
    if (out.empty() || out.back().name != table) out.push_back(TableInfo{table, {}, {}, {}, {}, false});
    out.back().columns.push_back({row[1].text, row[2].text, row[3].text == "t", row[4].text == "t", row[5].text == "t"});
  }
  auto find = [&](const std::string& name) -> TableInfo* {
    for (TableInfo& table : out) {
      if (table.name == name) return &table;
    }
    return nullptr;
  };
  std::string last_constraint;
  for (const Row& row : query(
           "SELECT con.oid::text, con.contype, c.relname, f.relname, a.attname, af.attname "
           "FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
           "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
           "LEFT JOIN pg_catalog.pg_class f ON f.oid = con.confrelid "
           "CROSS JOIN LATERAL unnest(con.conkey, coalesce(con.confkey, con.conkey)) "
           "WITH ORDINALITY AS k(col, fcol, ord) "
           "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.col "
           "LEFT JOIN pg_catalog.pg_attribute af ON af.attrelid = con.confrelid AND af.attnum = k.fcol "
           "WHERE con.contype IN ('p', 'f') AND n.nspname = pg_catalog.current_schema() "
           "ORDER BY con.oid, k.ord")) {
    TableInfo* table = find(row[2].text);
    if (table == nullptr) continue;
    if (row[1].text == "p") {
      table->primary_key.push_back(row[4].text);
      continue;
    }
    if (row[0].text != last_constraint) table->foreign_keys.push_back({{}, row[3].text, {}});
    last_constraint = row[0].text;
    table->foreign_keys.back().columns.push_back(row[4].text);
    table->foreign_keys.back().referenced_columns.push_back(row[5].text);
  }
  for (const Row& row : query(
           "SELECT i.tablename, i.indexdef FROM pg_catalog.pg_indexes i "
           "WHERE i.schemaname = pg_catalog.current_schema() AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con "
           "WHERE con.conname = i.indexname AND con.contype = 'p' AND con.connamespace = "
           "(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = i.schemaname)) ORDER BY i.indexname")) {
    if (TableInfo* table = find(row[0].text)) table->indexes.push_back(text_of(row[1]));
  }
  return out;
}

std::unique_ptr<CopyStream> PostgresData::copy_from(const std::string& table, const std::string& columns,
                                                    const std::string& before) {
  const std::string sql = (before.empty() ? "" : before + ";") + "COPY " + table + " (" + columns + ") FROM STDIN";
  Result start(PQexec(m_conn, sql.c_str()));
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) fail(start.get(), "");
  return std::make_unique<CopyInStream>(*this);
}

std::unique_ptr<DataConnection> open_postgres_data(const config::DatabaseUrl& url) {
  return std::make_unique<PostgresData>(url);
}

}  // namespace migrate::db
