// Test databases on real PostgreSQL and SQLite.
#include "support/test_database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <pqxx/pqxx>

namespace migrate::test {

std::string TestDatabase::scalar(const std::string& sql) {
  const auto rows = query(sql);
  if (rows.size() != 1 || rows[0].size() != 1) FAIL("expected one value from: " << sql);
  return rows[0][0];
}

std::vector<std::string> TestDatabase::history(const std::string& service) {
  std::vector<std::string> out;
  const auto tables = query(dialect() == Dialect::postgres
                                ? "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations'"
                                : "SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'");
  if (tables[0][0] == "0") return out;
  for (const auto& row : query("SELECT version, name FROM schema_migrations WHERE service = '" + service +
                               "' ORDER BY version")) {
    out.push_back(row[0] + ":" + row[1]);
  }
  return out;
}

std::string postgres_admin_url() {
  const char* url = std::getenv("MIGRATE_TEST_PG_URL");
  if (url == nullptr || *url == '\0') {
    FAIL("MIGRATE_TEST_PG_URL is not set: PostgreSQL tests need the cluster that deployment/test.sh starts");
  }
  return url;
}

namespace {

// Replaces the database name of a postgres:// URL.
std::string with_database(const std::string& url, const std::string& name) {
  const std::size_t query = url.find('?');
  const std::size_t slash = url.rfind('/', query == std::string::npos ? std::string::npos : query);
  return url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
}

std::vector<std::vector<std::string>> to_strings(const pqxx::result& result) {
  std::vector<std::vector<std::string>> rows;
  for (const pqxx::row& row : result) {
    std::vector<std::string> values;
    for (const pqxx::field& field : row) values.push_back(field.is_null() ? "NULL" : field.c_str());
    rows.push_back(std::move(values));
  }
  return rows;
}

}  // namespace

std::string through_pooler(const TestDatabase& database) {
  const char* pooler = std::getenv("MIGRATE_TEST_PGBOUNCER_URL");
  if (pooler == nullptr || *pooler == '\0') {
    FAIL("MIGRATE_TEST_PGBOUNCER_URL is not set: the pooler tests need the PgBouncer that deployment/test.sh starts");
  }
  const std::string url = database.url();
  const std::size_t query = url.find('?');
  const std::size_t slash = url.rfind('/', query == std::string::npos ? std::string::npos : query);
  return with_database(pooler, url.substr(slash + 1, query == std::string::npos ? std::string::npos : query - slash - 1));
}

namespace {

class PostgresTestDatabase final : public TestDatabase {
 public:
  PostgresTestDatabase() {
    static std::atomic<int> counter{0};
    m_name = "migrate_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    m_admin_url = postgres_admin_url();
    admin_exec("DROP DATABASE IF EXISTS " + m_name);
    admin_exec("CREATE DATABASE " + m_name);
    m_url = with_database(m_admin_url, m_name);
    m_conn = std::make_unique<pqxx::connection>(m_url);
    exec("SET client_min_messages TO warning");
  }

  ~PostgresTestDatabase() override {
    m_conn.reset();
    try {
      admin_exec("DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
    } catch (...) {
    }
  }

  Dialect dialect() const override { return Dialect::postgres; }
  std::string url() const override { return m_url; }

  void exec(const std::string& sql) override {
    pqxx::nontransaction tx(*m_conn);
    tx.exec(sql);
  }

  std::vector<std::vector<std::string>> query(const std::string& sql) override {
    pqxx::nontransaction tx(*m_conn);
    return to_strings(tx.exec(sql));
  }

  std::string schema() override {
    const auto rows = query(R"sql(
      SELECT line FROM (
        SELECT 'relation ' || c.relname || ' ' || c.relkind::text AS line
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
        UNION ALL
        SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
               || ' ' || coalesce(column_default, '')
          FROM information_schema.columns WHERE table_schema = 'public'
        UNION ALL
        SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
          FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        UNION ALL
        SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
        UNION ALL
        SELECT 'function ' || p.proname || ' ' || md5(p.prosrc)
          FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
        UNION ALL
        SELECT 'trigger ' || t.tgname || ' on ' || t.tgrelid::regclass::text
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
          WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
        UNION ALL
        SELECT 'type ' || typname FROM pg_type
          WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd', 'c')
            AND typrelid = 0
      ) objects ORDER BY line)sql");
    std::string out;
    for (const auto& row : rows) out += row[0] + "\n";
    return out;
  }

  std::vector<std::string> user_tables() override {
    std::vector<std::string> tables;
    for (const auto& row : query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename "
                                 "NOT IN ('schema_migrations', 'migration_lock') ORDER BY tablename")) {
      tables.push_back(row[0]);
    }
    return tables;
  }

 private:
  void admin_exec(const std::string& sql) {
    pqxx::connection admin(m_admin_url);
    pqxx::nontransaction tx(admin);
    tx.exec(sql);
  }

  std::string m_name;
  std::string m_admin_url;
  std::string m_url;
  std::unique_ptr<pqxx::connection> m_conn;
};

class SqliteTestDatabase final : public TestDatabase {
 public:
  SqliteTestDatabase() : m_path(m_dir.path() / "test.db") {}

  Dialect dialect() const override { return Dialect::sqlite; }
  std::string url() const override { return "sqlite://" + m_path.string(); }

  void exec(const std::string& sql) override {
    SQLite::Database db(m_path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000);
    db.exec(sql);
  }

  std::vector<std::vector<std::string>> query(const std::string& sql) override {
    SQLite::Database db(m_path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000);
    SQLite::Statement statement(db, sql);
    std::vector<std::vector<std::string>> rows;
    while (statement.executeStep()) {
      std::vector<std::string> values;
      for (int i = 0; i < statement.getColumnCount(); ++i) {
        const SQLite::Column column = statement.getColumn(i);
        values.push_back(column.isNull() ? "NULL" : column.getString());
      }
      rows.push_back(std::move(values));
    }
    return rows;
  }

  std::string schema() override {
    std::string out;
    for (const auto& row : query("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master "
                                 "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")) {
      out += row[0] + "\n";
    }
    return out;
  }

  std::vector<std::string> user_tables() override {
    std::vector<std::string> tables;
    for (const auto& row : query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                 "'sqlite_%' AND name NOT IN ('schema_migrations', 'migration_lock') "
                                 "ORDER BY name")) {
      tables.push_back(row[0]);
    }
    return tables;
  }

  const std::filesystem::path& path() const { return m_path; }

 private:
  TempDir m_dir;
  std::filesystem::path m_path;
};

}  // namespace

std::unique_ptr<TestDatabase> make_test_database(Dialect dialect) {
  if (dialect == Dialect::postgres) return std::make_unique<PostgresTestDatabase>();
  return std::make_unique<SqliteTestDatabase>();
}

}  // namespace migrate::test
