// step::Session over a libpqxx transaction (internal to db/).
#pragma once

#include <pqxx/pqxx>

#include "migrate/step/step.hpp"

namespace migrate::db {

/// Runs a step's statements inside `tx`. libpqxx errors propagate as they are; the driver
/// that owns the transaction translates them.
class PostgresSession final : public step::Session {
 public:
  explicit PostgresSession(pqxx::transaction_base& tx) : m_tx(tx) {}

  Dialect dialect() const override { return Dialect::postgres; }
  void execute(const std::string& sql) override;
  std::int64_t execute(const std::string& sql, const std::vector<step::Value>& params) override;
  void for_each(const std::string& sql, const std::vector<step::Value>& params,
                const std::function<void(const step::Row&)>& on_row) override;
  std::vector<step::Row> query(const std::string& sql, const std::vector<step::Value>& params) override;

 private:
  pqxx::result run(const std::string& sql, const std::vector<step::Value>& params);

  pqxx::transaction_base& m_tx;
  int m_cursors = 0;
};

}  // namespace migrate::db
