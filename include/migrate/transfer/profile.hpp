// What a transfer's source actually holds, table by table and column by column: how many
// rows, which kinds of values (integers, reals, text, blobs) and, among them, which look like
// flags, JSON, UUIDs, IP addresses, epoch times or ISO-8601 dates; and the problems that
// would make a copy fail or lose data (no primary key, duplicate keys, invalid JSON, mixed
// kinds). Rows are streamed: memory stays flat whatever the table's size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/db/data_connection.hpp"
#include "migrate/model/dialect.hpp"

namespace migrate::transfer {

/// Epoch seconds counted as times: 1990-01-01 .. 2100-01-01 (UTC).
inline constexpr std::int64_t k_epoch_seconds_min = 631'152'000;
inline constexpr std::int64_t k_epoch_seconds_max = 4'102'444'800;
/// Epoch milliseconds counted as times: the same range times 1000.
inline constexpr std::int64_t k_epoch_millis_min = k_epoch_seconds_min * 1000;
inline constexpr std::int64_t k_epoch_millis_max = k_epoch_seconds_max * 1000;
/// How many examples (row keys, duplicate key values) a problem names at most.
inline constexpr std::size_t k_profile_examples = 5;

/// The values of one column as profiled. Every count is over the rows profiled.
/// PostgreSQL values arrive as text: their kind comes from the declared type (integer
/// types: integer; numeric, real, double: real; bytea: blob; boolean: integer 0/1 from
/// t/f; everything else: text).
struct ColumnProfile {
  std::string name;
  std::string declared_type;
  /// The column's DEFAULT as the source's catalog spells it (SQLite: dflt_value;
  /// PostgreSQL: column_default); nullopt when there is none.
  std::optional<std::string> default_sql;

  std::int64_t non_null = 0;
  std::int64_t nulls = 0;
  std::int64_t integers = 0;
  std::int64_t reals = 0;
  std::int64_t texts = 0;
  std::int64_t blobs = 0;

  std::int64_t zero_one = 0;        ///< integers that are 0 or 1
  std::int64_t epoch_seconds = 0;   ///< integers within k_epoch_seconds_min..max
  std::int64_t epoch_millis = 0;    ///< integers within k_epoch_millis_min..max
  std::int64_t json = 0;            ///< texts that are a JSON object or array
  std::int64_t json_scalars = 0;    ///< texts that are valid JSON but not an object or array
  std::int64_t not_json = 0;        ///< texts that are not valid JSON at all
  std::int64_t uuids = 0;           ///< texts of the form 8-4-4-4-12 hexadecimal digits
  std::int64_t ipv4 = 0;            ///< texts that are an IPv4 address (optionally /prefix)
  std::int64_t ipv6 = 0;            ///< texts that are an IPv6 address (optionally /prefix)
  std::int64_t iso_dates = 0;       ///< texts YYYY-MM-DD
  std::int64_t iso_timestamps = 0;  ///< texts YYYY-MM-DD[T ]HH:MM[:SS[.f…]][Z|±HH[:MM]]
  /// Keys of the first rows whose text is not valid JSON ("id=7"; "rowid=7" or "row 7"
  /// without a primary key), at most k_profile_examples.
  std::vector<std::string> not_json_rows;

  /// Whether every non-null value (and at least one) is counted by `count`.
  bool all(std::int64_t count) const { return non_null > 0 && count == non_null; }
  /// How many of the four kinds (integer, real, text, blob) occur.
  int kinds() const;
};

/// What a profile found wrong with a table.
enum class ProfileProblemKind {
  no_primary_key,  ///< rows cannot be told apart: no resumable order, no upsert
  duplicate_key,   ///< primary-key values held by more than one row
  null_in_key,     ///< a primary-key column holds NULL (PostgreSQL refuses it)
  invalid_json,    ///< a column whose values are mostly JSON holds some that are not
  mixed_kinds,     ///< a column holds numbers and text, or blobs and something else
};

std::string_view to_string(ProfileProblemKind kind) noexcept;

/// One problem: what, where (column empty for the whole table), how many, and examples.
struct ProfileProblem {
  ProfileProblemKind kind = ProfileProblemKind::no_primary_key;
  std::string column;
  std::int64_t count = 0;             ///< rows or key values concerned
  std::vector<std::string> examples;  ///< at most k_profile_examples
  std::string message;                ///< one sentence naming the cause and the way out
};

/// One table as profiled.
struct TableProfile {
  std::string name;
  std::int64_t rows = 0;               ///< every row of the table
  std::int64_t rows_profiled = 0;      ///< rows whose values were counted (the sample)
  std::vector<ColumnProfile> columns;  ///< in the table's column order
  /// SQLite: UNIQUE constraints written in CREATE TABLE (their automatic indexes carry no
  /// SQL, so db::TableInfo::indexes does not list them), columns in key order.
  std::vector<std::vector<std::string>> unique_constraints;
  std::vector<ProfileProblem> problems;

  const ColumnProfile* column(std::string_view column_name) const;
};

/// Every table of a source.
struct SourceProfile {
  Dialect dialect = Dialect::sqlite;
  std::vector<TableProfile> tables;  ///< in the order of DataConnection::tables()

  const TableProfile* table(std::string_view table_name) const;
};

/// Profiles one table: streams its rows in primary-key order (the first `sample` rows; 0:
/// every row) and counts; finds duplicate key values with one GROUP BY query. Throws what
/// the connection throws (RevisionFailed for a query the database refuses, Interrupted).
TableProfile profile_table(db::DataConnection& connection, const db::TableInfo& table, std::int64_t sample);

/// Profiles every table connection.tables() lists.
SourceProfile profile_source(db::DataConnection& connection, std::int64_t sample);

/// Counts one value into column. Returns true when the value is text that is not valid
/// JSON and column.not_json_rows has room for its row key (the caller appends it).
bool count_value(ColumnProfile& column, const db::Cell& cell);

/// The value tests, exposed for tests.
bool is_uuid_text(std::string_view text);
bool is_ipv4_text(std::string_view text);
bool is_ipv6_text(std::string_view text);
/// 1: YYYY-MM-DD; 2: a timestamp; 0: neither.
int iso_8601_kind(std::string_view text);

}  // namespace migrate::transfer
