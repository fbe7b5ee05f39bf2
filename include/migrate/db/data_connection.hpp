// Reading and bulk-writing table data, for `migrate transfer`: a connection of its own
// (beside the Driver that holds the lock) that lists tables with their columns and keys,
// streams rows in a stable order, and on PostgreSQL loads rows with COPY. Not a Driver:
// it knows nothing of revisions, history or the lock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/config/database_url.hpp"
#include "migrate/model/dialect.hpp"
#include "migrate/step/step.hpp"

namespace migrate::db {

/// One column of a table as the catalog describes it.
struct ColumnInfo {
  std::string name;
  std::string declared_type;  ///< as declared (SQLite) or format_type (PostgreSQL); may be empty
  bool not_null = false;
  bool has_default = false;   ///< a DEFAULT, or a value the database makes itself (identity, serial, rowid)
  bool identity = false;      ///< PostgreSQL identity/serial; SQLite INTEGER PRIMARY KEY (rowid) or AUTOINCREMENT
};

/// A foreign key: columns of its table referencing columns of another.
struct ForeignKey {
  std::vector<std::string> columns;
  std::string references;  ///< the referenced table
  std::vector<std::string> referenced_columns;
};

/// One table: columns in order, primary key, foreign keys and index definitions.
struct TableInfo {
  std::string name;
  std::vector<ColumnInfo> columns;
  std::vector<std::string> primary_key;  ///< in key order; empty when there is none
  std::vector<ForeignKey> foreign_keys;
  std::vector<std::string> indexes;      ///< SQL definitions (CREATE [UNIQUE] INDEX …), the PK's excluded
  bool autoincrement = false;            ///< SQLite: declared AUTOINCREMENT

  const ColumnInfo* column(std::string_view column_name) const;
};

/// What a value is, as the database stored it. PostgreSQL values arrive as text.
enum class CellKind : unsigned char { null, integer, real, text, blob };

/// One value of a row: its text (a blob's bytes for CellKind::blob).
struct Cell {
  CellKind kind = CellKind::null;
  std::string text;
};

using Row = std::vector<Cell>;

/// Rows of one query, streamed: at most one row is held.
class RowCursor {
 public:
  virtual ~RowCursor() = default;
  /// Fills row with the next row (resizing it to the column count); false at the end.
  virtual bool next(Row& row) = 0;
};

/// A query over one table in a stable order, from a given position.
struct Scan {
  std::string table;
  std::vector<std::string> columns;  ///< read in this order
  std::string order_by;              ///< SQL after ORDER BY; empty: none
  std::string where;                 ///< SQL after WHERE; empty: every row
  std::int64_t offset = 0;           ///< rows skipped first (a resumed transfer)
};

/// A COPY … FROM STDIN in progress: rows are sent as they are written, so the server
/// parses and inserts while the next rows are read. PostgreSQL only.
class CopyStream {
 public:
  virtual ~CopyStream() = default;
  /// Sends COPY text (whole lines or not: the server joins them).
  virtual void write(std::string_view data) = 0;
  /// Ends the COPY; throws RevisionFailed when the server refused a row.
  virtual void finish() = 0;
};

/// A data connection. Every failure is a migrate Error: DatabaseUnreachable when it cannot
/// connect or the connection is lost, RevisionFailed for a statement the server refuses
/// (the transaction then rolled back), Interrupted on SIGINT/SIGTERM.
class DataConnection {
 public:
  virtual ~DataConnection() = default;

  virtual Dialect dialect() const = 0;

  /// Every user table of the default schema (SQLite: the main database), migrate's own
  /// bookkeeping tables excluded, sorted by name.
  virtual std::vector<TableInfo> tables() = 0;

  /// Streams the rows of scan. On PostgreSQL the cursor owns the connection until it is
  /// destroyed or exhausted: no other call may be made meanwhile.
  virtual std::unique_ptr<RowCursor> scan(const Scan& scan) = 0;

  /// Every row of a query known to be small.
  virtual std::vector<Row> query(const std::string& sql) = 0;

  /// Runs SQL (several statements allowed).
  virtual void execute(const std::string& sql) = 0;

  virtual void begin() = 0;
  virtual void commit() = 0;
  /// Never throws: for error paths.
  virtual void rollback() noexcept = 0;

  /// Loads rows into table (columns: a quoted, comma-separated list) inside the open
  /// transaction. `data` is COPY's text format: one line per row, tab-separated, \N for
  /// NULL, backslash escapes. PostgreSQL only (SQLite: UsageError). A refused row throws
  /// RevisionFailed with the server's message (its "line N" counts from data's first line).
  virtual void copy_in(const std::string& table, const std::string& columns, const std::string& data) = 0;

  /// Starts loading rows into table (see copy_in); nothing else may be sent until the
  /// stream is finished or destroyed (which abandons the COPY: the transaction fails).
  /// `before` (e.g. "BEGIN") is sent with the COPY in one round trip.
  virtual std::unique_ptr<CopyStream> copy_from(const std::string& table, const std::string& columns,
                                                const std::string& before = "") = 0;

  /// A step session on this connection, for transfer steps: statements with $1, $2 …
  /// parameters, for_each's rows streamed (PostgreSQL: single-row mode), inside whatever
  /// transaction is open. Its failures are migrate Errors as above; it must not outlive
  /// the connection, and nothing else may be sent while one of its for_each runs.
  virtual std::unique_ptr<step::Session> session() = 0;

  /// name quoted as an identifier for this database.
  virtual std::string quote_name(std::string_view name) const = 0;
  /// text quoted as a string literal for this database.
  virtual std::string quote(std::string_view text) const = 0;
};

/// Opens a data connection to url. Read-only connections never create a SQLite file nor
/// write to it (a missing file is UsageError naming it). Throws DatabaseUnreachable when the
/// server cannot be reached, UsageError when a file cannot be opened.
std::unique_ptr<DataConnection> open_data_connection(const config::DatabaseUrl& url, bool read_only);

/// Whether a table name is one of migrate's bookkeeping tables or another migration
/// tool's history table (never listed by tables()).
bool is_bookkeeping_table(std::string_view name);

/// Appends value to a COPY text line, escaped (\\, \t, \n, \r); NULL is appended as \N
/// by the caller.
void append_copy_text(std::string& line, std::string_view value);

}  // namespace migrate::db
