// The API that compiled C++ migration steps are written against. A step gets a Session
// bound to the transaction that also records its schema_migrations row.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "migrate/model/dialect.hpp"

namespace migrate::step {

/// A query parameter: NULL, an integer, a floating-point number or text.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

/// An optional value as a parameter: NULL when empty.
inline Value nullable(const std::optional<std::int64_t>& value) {
  if (value) return Value(*value);
  return Value(nullptr);
}
inline Value nullable(const std::optional<std::string>& value) {
  if (value) return Value(*value);
  return Value(nullptr);
}

/// One result row. Values arrive as text and convert on request.
class Row {
 public:
  explicit Row(std::vector<std::optional<std::string>> values) : m_values(std::move(values)) {}

  std::size_t size() const { return m_values.size(); }
  bool is_null(std::size_t column) const;
  /// The value as text. Throws std::out_of_range for a bad column, std::runtime_error for NULL.
  const std::string& text(std::size_t column) const;
  /// The value as an integer. Throws as text() and when it is not an integer.
  std::int64_t integer(std::size_t column) const;
  /// The value as a double. Throws as text() and when it is not a number.
  double real(std::size_t column) const;
  std::optional<std::string> optional_text(std::size_t column) const;
  std::optional<std::int64_t> optional_integer(std::size_t column) const;

 private:
  std::vector<std::optional<std::string>> m_values;
};

/// A database session inside one transaction, the same on PostgreSQL and SQLite.
/// Parameters are written $1, $2, … on both. Errors are thrown as exceptions; any
/// exception leaving a step rolls its transaction back.
class Session {
 public:
  virtual ~Session() = default;

  virtual Dialect dialect() const = 0;

  /// Runs SQL text without parameters (several statements allowed).
  virtual void execute(const std::string& sql) = 0;

  /// Runs one statement with parameters; returns the number of rows it changed.
  virtual std::int64_t execute(const std::string& sql, const std::vector<Value>& params) = 0;

  /// Calls on_row for each row of a query, holding only a bounded number of rows in
  /// memory (PostgreSQL: a cursor fetched in chunks; SQLite: row by row).
  virtual void for_each(const std::string& sql, const std::vector<Value>& params,
                        const std::function<void(const Row&)>& on_row) = 0;

  /// Every row of a statement whose result is known to be small; also for
  /// INSERT … RETURNING and other statements a cursor cannot hold.
  virtual std::vector<Row> query(const std::string& sql, const std::vector<Value>& params = {});

  /// The row of a query that returns at most one; throws std::runtime_error for more.
  std::optional<Row> query_one(const std::string& sql, const std::vector<Value>& params = {});

  /// True when the table exists (PostgreSQL: visible on the search path).
  bool table_exists(const std::string& table);
};

/// Inserts rows with multi-row INSERT statements of up to batch_size rows each.
/// Call finish() to send the last batch; rows not finished are dropped.
class BatchInserter {
 public:
  BatchInserter(Session& session, std::string table, std::vector<std::string> columns,
                std::size_t batch_size = 500);

  /// Adds a row (one value per column); sends a batch when it is full.
  void add(std::vector<Value> row);
  /// Sends what is left. Returns the rows inserted in all.
  std::int64_t finish();
  std::int64_t inserted() const { return m_inserted; }

 private:
  void flush();

  Session& m_session;
  std::string m_prefix;  ///< INSERT INTO "table" ("a", "b") VALUES
  std::size_t m_columns;
  std::size_t m_batch_size;
  std::vector<Value> m_pending;
  std::int64_t m_inserted = 0;
};

/// name as a quoted SQL identifier ("name", with inner quotes doubled).
std::string quote_identifier(const std::string& name);

using StepFunction = void (*)(Session&);

/// A compiled step, as registered by MIGRATE_STEP.
struct StepDefinition {
  const char* service;      ///< the service folder: services/<service>/migrations
  std::int64_t version;
  const char* name;         ///< snake_case name from the file name
  StepFunction up;
  StepFunction down;        ///< nullptr: irreversible
  const char* source_file;  ///< the .cpp path at build time
  const char* checksum;     ///< SHA-256 of the source file at build time
};

/// Adds a step to this binary's registry (MIGRATE_STEP does it during static
/// initialisation). Returns true.
bool register_step(const StepDefinition& step);

/// Every step compiled into this binary.
const std::vector<StepDefinition>& registered_steps();

}  // namespace migrate::step

#if defined(MIGRATE_STEP_SERVICE) && defined(MIGRATE_STEP_VERSION) && defined(MIGRATE_STEP_NAME) && \
    defined(MIGRATE_STEP_FILE) && defined(MIGRATE_STEP_CHECKSUM)
#define MIGRATE_STEP_REGISTER_(up_function, down_function, ...)                                      \
  namespace {                                                                                        \
  const bool migrate_step_registered_ = ::migrate::step::register_step(                             \
      {MIGRATE_STEP_SERVICE, MIGRATE_STEP_VERSION, MIGRATE_STEP_NAME, (up_function), (down_function), \
       MIGRATE_STEP_FILE, MIGRATE_STEP_CHECKSUM});                                                   \
  }
/// Registers this file's step: `MIGRATE_STEP(up);` or `MIGRATE_STEP(up, down);`. Service,
/// version, name and checksum come from the build, which derives them from the file.
#define MIGRATE_STEP(...) MIGRATE_STEP_REGISTER_(__VA_ARGS__, nullptr, unused)
#else
#define MIGRATE_STEP(...) \
  static_assert(false, "compile C++ steps through migrate's CMake build, which defines MIGRATE_STEP_*")
#endif
