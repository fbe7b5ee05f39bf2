// SQLite history table (schema_migrations unless the manifest names another): whose it is,
// reading the history, the dirty flag, repair's rewrite and stamp's record, and the INSERT
// and DELETE of a history row that revisions share.
#include "db/sqlite/sqlite_driver.hpp"

#include "migrate/db/history_shape.hpp"

namespace migrate::db {

std::vector<std::string> SqliteDriver::history_columns(const std::string& table) {
  return guarded("look at the history table", [&] {
    std::vector<std::string> columns;
    SQLite::Statement query(m_db, "SELECT name FROM pragma_table_info(?) ORDER BY cid");
    query.bind(1, table);
    while (query.executeStep()) columns.push_back(query.getColumn(0).getString());
    return columns;
  });
}

// A local catalog read, no round trip: done before every use rather than remembered.
bool SqliteDriver::require_own_history() {
  const std::vector<std::string> columns = history_columns(m_history_table);
  const HistoryShape shape = classify_history_table(columns);
  require_own_history_table(shape, m_history_table, m_label, columns);
  if (shape == HistoryShape::absent && m_history_table != config::k_default_history_table) {
    const std::string old_name(config::k_default_history_table);
    require_history_not_left_behind(shape, classify_history_table(history_columns(old_name)), m_history_table,
                                    m_label);
  }
  return shape != HistoryShape::absent;
}

std::vector<AppliedRevision> SqliteDriver::read(const std::string& service) {
  if (!require_own_history()) return {};
  return guarded("read the history table", [&] {
    std::vector<AppliedRevision> history;
    SQLite::Statement query(m_db,
                            "SELECT version, name, kind, checksum, applied_at, duration_ms, "
                            "applied_by, dirty FROM " + m_history_quoted + " WHERE service = ? "
                            "ORDER BY version");
    query.bind(1, service);
    while (query.executeStep()) {
      history.push_back({query.getColumn(0).getInt64(), query.getColumn(1).getString(), query.getColumn(2).getString(),
                         query.getColumn(3).getString(), query.getColumn(4).getString(), query.getColumn(5).getInt64(),
                         query.getColumn(6).getString(), query.getColumn(7).getInt() != 0});
    }
    return history;
  });
}

void SqliteDriver::set_dirty(const std::string& service, Version version, bool dirty,
                             std::optional<std::int64_t> duration_ms) {
  require_own_history();
  guarded("update the history table", [&] {
    SQLite::Statement update(m_db,
                             "UPDATE " + m_history_quoted + " SET dirty = ?, duration_ms = COALESCE(?, duration_ms) "
                             "WHERE service = ? AND version = ?");
    update.bind(1, dirty ? 1 : 0);
    if (duration_ms) update.bind(2, static_cast<int64_t>(*duration_ms));
    update.bind(3, service);
    update.bind(4, static_cast<int64_t>(version));
    return update.exec();
  });
}

void SqliteDriver::rewrite(const std::vector<HistoryRow>& rows) {
  require_own_history();
  in_transaction([&] {
    for (const HistoryRow& row : rows) {
      SQLite::Statement update(m_db,
                               "UPDATE " + m_history_quoted + " SET name = ?, kind = ?, checksum = ?, dirty = 0 "
                               "WHERE service = ? AND version = ?");
      update.bind(1, row.name);
      update.bind(2, row.kind);
      update.bind(3, row.checksum);
      update.bind(4, row.service);
      update.bind(5, static_cast<int64_t>(row.version));
      update.exec();
    }
  });
}

void SqliteDriver::record(const std::string& service, const std::vector<HistoryRow>& insert_rows,
                          const std::vector<Version>& remove_versions) {
  require_own_history();
  in_transaction([&] {
    for (Version version : remove_versions) remove(service, version);
    for (const HistoryRow& row : insert_rows) insert(row, 0);
  });
}

template <typename Body>
void SqliteDriver::in_transaction(Body&& body) {
  try {
    ImmediateTransaction tx(m_db);
    body();
    refresh_heartbeat();
    tx.commit();
  } catch (const SQLite::Exception& e) {
    throw_if_interrupted(e.getErrorCode());
    throw RevisionFailed(e.what(), std::to_string(e.getExtendedErrorCode()));
  }
}

void SqliteDriver::insert(const HistoryRow& row, std::int64_t duration_ms) {
  SQLite::Statement statement(m_db,
                              "INSERT INTO " + m_history_quoted + " (service, version, name, kind, "
                              "checksum, duration_ms, applied_by, dirty, applied_at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', ?), "
                              "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))");
  statement.bind(1, row.service);
  statement.bind(2, static_cast<int64_t>(row.version));
  statement.bind(3, row.name);
  statement.bind(4, row.kind);
  statement.bind(5, row.checksum);
  statement.bind(6, static_cast<int64_t>(duration_ms));
  statement.bind(7, row.applied_by);
  statement.bind(8, row.dirty ? 1 : 0);
  if (row.applied_at.empty()) {
    statement.bind(9);  // NULL: now
  } else {
    statement.bind(9, row.applied_at);
  }
  statement.exec();
}

void SqliteDriver::remove(const std::string& service, Version version) {
  SQLite::Statement statement(m_db, "DELETE FROM " + m_history_quoted + " WHERE service = ? AND version = ?");
  statement.bind(1, service);
  statement.bind(2, static_cast<int64_t>(version));
  statement.exec();
}

}  // namespace migrate::db
