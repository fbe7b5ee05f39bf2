// Real databases for tests: a fresh PostgreSQL database on the throwaway cluster that
// deployment/test.sh starts (MIGRATE_TEST_PG_URL), or a fresh SQLite file.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "migrate/model/dialect.hpp"
#include "support/temp_dir.hpp"

namespace migrate::test {

/// One empty database, dropped or deleted on destruction. Queries run on the test's own
/// connection, never through migrate.
class TestDatabase {
 public:
  virtual ~TestDatabase() = default;
  virtual Dialect dialect() const = 0;
  /// The URL to hand to migrate (holds the password on PostgreSQL).
  virtual std::string url() const = 0;
  /// Runs SQL (several statements allowed).
  virtual void exec(const std::string& sql) = 0;
  /// Runs a query; every value as text ("NULL" for null).
  virtual std::vector<std::vector<std::string>> query(const std::string& sql) = 0;
  /// Every object of the schema (tables, columns, constraints, indexes, functions,
  /// triggers), one per line, sorted: equal strings mean equal schemas.
  virtual std::string schema() = 0;
  /// Names of user tables, sorted, without migrate's own bookkeeping tables.
  virtual std::vector<std::string> user_tables() = 0;

  /// The single value of a one-row, one-column query.
  std::string scalar(const std::string& sql);
  /// schema_migrations rows of service as "version:name" (empty when the table is absent).
  std::vector<std::string> history(const std::string& service);
};

/// The admin URL of the test cluster. Fails the running test (never skips) when
/// MIGRATE_TEST_PG_URL is unset: run the suite through deployment/test.sh.
std::string postgres_admin_url();

/// The URL of a PostgreSQL test database through the PgBouncer (transaction pooling) that
/// deployment/test.sh starts in front of the cluster (MIGRATE_TEST_PGBOUNCER_URL). Fails
/// the running test (never skips) when that variable is unset.
std::string through_pooler(const TestDatabase& database);

/// A fresh database of the given dialect.
std::unique_ptr<TestDatabase> make_test_database(Dialect dialect);

}  // namespace migrate::test
