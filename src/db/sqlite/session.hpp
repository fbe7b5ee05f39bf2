// step::Session over a SQLite connection with an open transaction (internal to db/).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include "migrate/step/step.hpp"

namespace migrate::db {

/// Runs a step's statements on `db`. SQLite::Exception propagates; the driver translates it.
class SqliteSession final : public step::Session {
 public:
  explicit SqliteSession(SQLite::Database& db) : m_db(db) {}

  Dialect dialect() const override { return Dialect::sqlite; }
  void execute(const std::string& sql) override;
  std::int64_t execute(const std::string& sql, const std::vector<step::Value>& params) override;
  void for_each(const std::string& sql, const std::vector<step::Value>& params,
                const std::function<void(const step::Row&)>& on_row) override;

 private:
  SQLite::Database& m_db;
};

}  // namespace migrate::db
