// PostgreSQL history table (schema_migrations unless the manifest names another): reading
// the history, the dirty flag, repair's rewrite and stamp's record, and the INSERT and
// DELETE of a history row that revisions share.
#include "db/postgres/postgres_driver.hpp"

namespace migrate::db {

std::vector<AppliedRevision> PostgresDriver::read(const std::string& service) {
  require_own_history();
  return guarded("read the history table", [&] {
    std::vector<AppliedRevision> history;
    if (!table_exists(history_table())) return history;
    pqxx::nontransaction tx(*m_conn);
    const pqxx::result rows = tx.exec_params(
        "SELECT version, name, kind, checksum, "
        "to_char(applied_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), duration_ms, applied_by, dirty "
        "FROM " + history_table() + " WHERE service = $1 ORDER BY version",
        service);
    history.reserve(rows.size());
    for (const pqxx::row& row : rows) {
      history.push_back({row[0].as<Version>(), row[1].as<std::string>(), row[2].as<std::string>(),
                         row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::int64_t>(),
                         row[6].as<std::string>(), row[7].as<bool>()});
    }
    return history;
  });
}

void PostgresDriver::set_dirty(const std::string& service, Version version, bool dirty,
                               std::optional<std::int64_t> duration_ms) {
  require_own_history();
  guarded("update the history table", [&] {
    pqxx::nontransaction tx(*m_conn);
    tx.exec_params(
        "UPDATE " + history_table() + " SET dirty = $3, duration_ms = COALESCE($4, duration_ms) "
        "WHERE service = $1 AND version = $2",
        service, version, dirty, duration_ms);
    return 0;
  });
}

void PostgresDriver::rewrite(const std::vector<HistoryRow>& rows) {
  require_own_history();
  guarded("rewrite the history table", [&] {
    pqxx::work tx(*m_conn);
    for (const HistoryRow& row : rows) {
      tx.exec_params(
          "UPDATE " + history_table() + " SET name = $3, kind = $4, checksum = $5, dirty = FALSE "
          "WHERE service = $1 AND version = $2",
          row.service, row.version, row.name, row.kind, row.checksum);
    }
    tx.commit();
    return 0;
  });
}

void PostgresDriver::record(const std::string& service, const std::vector<HistoryRow>& insert,
                            const std::vector<Version>& remove) {
  require_own_history();
  std::string batch;
  for (Version version : remove) batch += delete_statement(service, version) + ";\n";
  for (const HistoryRow& row : insert) {
    const std::string applied_at =
        row.applied_at.empty() ? "DEFAULT" : m_conn->quote(row.applied_at) + "::timestamptz AT TIME ZONE 'utc'";
    batch += insert_statement(row, "0", applied_at) + ";\n";
  }
  run_in_transaction(batch);
}

// duration_ms and applied_at are SQL expressions: duration_ms k_elapsed_ms, or "0" for
// rows recorded by stamp; applied_at the column's default unless given.
std::string PostgresDriver::insert_statement(const HistoryRow& row, std::string_view duration_ms,
                                             std::string_view applied_at) {
  return "INSERT INTO " + history_table() + " (service, version, name, kind, checksum, duration_ms, "
         "applied_by, dirty, applied_at) VALUES (" +
         m_conn->quote(row.service) + ", " + std::to_string(row.version) + ", " + m_conn->quote(row.name) + ", " +
         m_conn->quote(row.kind) + ", " + m_conn->quote(row.checksum) + ", " + std::string(duration_ms) + ", " +
         m_conn->quote(row.applied_by) + ", " + (row.dirty ? "TRUE" : "FALSE") + ", " + std::string(applied_at) + ")";
}

std::string PostgresDriver::delete_statement(const std::string& service, Version version) {
  return "DELETE FROM " + history_table() + " WHERE service = " + m_conn->quote(service) +
         " AND version = " + std::to_string(version);
}

}  // namespace migrate::db
