// The SQLite data connection for transfers: the catalog from PRAGMAs, rows streamed with
// one prepared statement, values with the storage class SQLite kept for each.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "db/sqlite/connection.hpp"
#include "db/sqlite/session.hpp"
#include "migrate/db/data_connection.hpp"
#include "migrate/step/step.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/text.hpp"

namespace migrate::db {

std::unique_ptr<DataConnection> open_sqlite_data(const config::DatabaseUrl& url, bool read_only);

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

void interrupt_database(void* db) noexcept { sqlite3_interrupt(static_cast<sqlite3*>(db)); }

// A column value as a Cell: integers in decimal, reals in the shortest text that reads
// back to the same double, text as stored, blobs as their bytes.
void read_cell(const SQLite::Column& column, Cell& cell) {
  switch (column.getType()) {
    case SQLITE_INTEGER: {
      cell.kind = CellKind::integer;
      char buffer[24];
      const int length = std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(column.getInt64()));
      cell.text.assign(buffer, static_cast<std::size_t>(length));
      return;
    }
    case SQLITE_FLOAT: {
      cell.kind = CellKind::real;
      const double value = column.getDouble();
      char buffer[32];
      for (int precision = 15; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
        if (std::strtod(buffer, nullptr) == value) break;
      }
      cell.text = buffer;
      return;
    }
    case SQLITE_TEXT:
      cell.kind = CellKind::text;
      cell.text.assign(column.getText(), static_cast<std::size_t>(column.getBytes()));
      return;
    case SQLITE_BLOB:
      cell.kind = CellKind::blob;
      cell.text.assign(static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes()));
      return;
    default:
      cell.kind = CellKind::null;
      cell.text.clear();
  }
}

class SqliteCursor final : public RowCursor {
 public:
  SqliteCursor(SQLite::Database& db, const std::string& sql) : m_statement(db, sql) {}

  bool next(Row& row) override {
    try {
      if (!m_statement.executeStep()) return false;
    } catch (const SQLite::Exception& e) {
      throw_if_interrupted(e.getExtendedErrorCode());
      throw RevisionFailed(std::string("reading: ") + e.what());
    }
    const int columns = m_statement.getColumnCount();
    row.resize(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) read_cell(m_statement.getColumn(c), row[static_cast<std::size_t>(c)]);
    return true;
  }

 private:
  SQLite::Statement m_statement;
};

class SqliteData final : public DataConnection {
 public:
  SqliteData(const std::string& path, int flags)
      : m_db(path, flags, static_cast<int>(k_busy_timeout.count())),
        m_interrupt(interrupt_database, m_db.getHandle()) {}

  Dialect dialect() const override { return Dialect::sqlite; }

  std::vector<TableInfo> tables() override {
    std::vector<TableInfo> out;
    for (const Row& row : query("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")) {
      if (is_bookkeeping_table(row[0].text)) continue;
      TableInfo table;
      table.name = row[0].text;
      table.autoincrement = lower(row[1].text).find("autoincrement") != std::string::npos;
      std::vector<std::pair<int, std::string>> key;
      for (const Row& column : query("SELECT name, type, \"notnull\", dflt_value IS NOT NULL, pk, hidden "
                                     "FROM pragma_table_xinfo(" + quote(table.name) + ")")) {
        if (column[5].text != "0") continue;  // generated or hidden columns are not copied
        ColumnInfo info{column[0].text, column[1].text, column[2].text == "1", column[3].text == "1", false};
        if (column[4].text != "0") key.emplace_back(std::stoi(column[4].text), info.name);
        table.columns.push_back(std::move(info));
      }
      std::sort(key.begin(), key.end());
      for (auto& [position, name] : key) table.primary_key.push_back(name);
      // INTEGER PRIMARY KEY is the rowid: SQLite gives it a value when none is inserted.
      if (table.primary_key.size() == 1) {
        for (ColumnInfo& column : table.columns) {
          if (column.name == table.primary_key[0] && lower(column.declared_type) == "integer") {
            column.identity = true;
            column.has_default = true;
          }
        }
      }
      int last_id = -1;
      for (const Row& fk : query("SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(" +
                                 quote(table.name) + ") ORDER BY id, seq")) {
        const int id = std::stoi(fk[0].text);
        if (id != last_id) table.foreign_keys.push_back({{}, fk[2].text, {}});
        last_id = id;
        table.foreign_keys.back().columns.push_back(fk[3].text);
        // A reference without columns means the referenced table's primary key.
        table.foreign_keys.back().referenced_columns.push_back(fk[4].kind == CellKind::null ? "" : fk[4].text);
      }
      for (const Row& index : query("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = " +
                                    quote(table.name) + " AND sql IS NOT NULL ORDER BY name")) {
        table.indexes.push_back(index[0].text);
      }
      out.push_back(std::move(table));
    }
    return out;
  }

  std::unique_ptr<RowCursor> scan(const Scan& scan) override {
    std::string columns;
    for (const std::string& column : scan.columns) columns += (columns.empty() ? "" : ", ") + quote_name(column);
    std::string sql = "SELECT " + columns + " FROM " + quote_name(scan.table);
    if (!scan.where.empty()) sql += " WHERE " + scan.where;
    if (!scan.order_by.empty()) sql += " ORDER BY " + scan.order_by;
    if (scan.offset > 0) sql += " LIMIT -1 OFFSET " + std::to_string(scan.offset);
    try {
      return std::make_unique<SqliteCursor>(m_db, sql);
    } catch (const SQLite::Exception& e) {
      throw RevisionFailed("reading " + scan.table + ": " + e.what());
    }
  }

  std::vector<Row> query(const std::string& sql) override {
    std::vector<Row> rows;
    try {
      SqliteCursor cursor(m_db, sql);
      Row row;
      while (cursor.next(row)) rows.push_back(row);
    } catch (const SQLite::Exception& e) {
      throw_if_interrupted(e.getExtendedErrorCode());
      throw RevisionFailed(e.what());
    }
    return rows;
  }

  void execute(const std::string& sql) override {
    try {
      m_db.exec(sql);
    } catch (const SQLite::Exception& e) {
      throw_if_interrupted(e.getExtendedErrorCode());
      throw RevisionFailed(e.what());
    }
  }

  void begin() override { execute("BEGIN IMMEDIATE"); }
  void commit() override { execute("COMMIT"); }
  void rollback() noexcept override {
    if (sqlite3_get_autocommit(m_db.getHandle()) != 0) return;
    sqlite3_exec(m_db.getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  void copy_in(const std::string&, const std::string&, const std::string&) override {
    throw UsageError("transfers write to PostgreSQL; a SQLite database can only be a transfer's source");
  }

  std::unique_ptr<CopyStream> copy_from(const std::string&, const std::string&, const std::string&) override {
    throw UsageError("transfers write to PostgreSQL; a SQLite database can only be a transfer's source");
  }

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

 private:
  SQLite::Database m_db;
  util::CancelRegistration m_interrupt;
};

// The session C++ steps get, its SQLite errors translated as the connection's are.
class SqliteDataSession final : public step::Session {
 public:
  explicit SqliteDataSession(SQLite::Database& db) : m_inner(db) {}

  Dialect dialect() const override { return Dialect::sqlite; }
  void execute(const std::string& sql) override {
    translated([&] { m_inner.execute(sql); });
  }
  std::int64_t execute(const std::string& sql, const std::vector<step::Value>& params) override {
    std::int64_t changed = 0;
    translated([&] { changed = m_inner.execute(sql, params); });
    return changed;
  }
  void for_each(const std::string& sql, const std::vector<step::Value>& params,
                const std::function<void(const step::Row&)>& on_row) override {
    translated([&] { m_inner.for_each(sql, params, on_row); });
  }

 private:
  template <typename Body>
  static void translated(Body&& body) {
    try {
      body();
    } catch (const SQLite::Exception& e) {
      throw_if_interrupted(e.getExtendedErrorCode());
      throw RevisionFailed(e.what());
    }
  }

  SqliteSession m_inner;
};

std::unique_ptr<step::Session> SqliteData::session() { return std::make_unique<SqliteDataSession>(m_db); }

}  // namespace

std::unique_ptr<DataConnection> open_sqlite_data(const config::DatabaseUrl& url, bool read_only) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(url.sqlite_path, ec)) {
    throw UsageError("cannot open " + url.redacted + ": " + url.sqlite_path.string() + " does not exist");
  }
  try {
    auto connection = std::make_unique<SqliteData>(url.sqlite_path.string(),
                                                   read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE);
    connection->query("SELECT count(*) FROM sqlite_master");  // "file is not a database" shows here
    return connection;
  } catch (const SQLite::Exception& e) {
    throw UsageError("cannot open " + url.redacted + ": " + e.what());
  } catch (const RevisionFailed& e) {
    throw UsageError("cannot open " + url.redacted + ": " + e.what());
  }
}

}  // namespace migrate::db
