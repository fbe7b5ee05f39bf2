// SQLite schema_migrations: reading the history, the dirty flag, repair's rewrite and
// stamp's record, and the INSERT and DELETE of a history row that revisions share.
#include "db/sqlite/sqlite_driver.hpp"

namespace migrate::db {

std::vector<AppliedRevision> SqliteDriver::read(const std::string& service) {
  return guarded("read schema_migrations", [&] {
    std::vector<AppliedRevision> history;
    if (!m_db.tableExists("schema_migrations")) return history;
    SQLite::Statement query(m_db,
                            "SELECT version, name, kind, checksum, applied_at, duration_ms, "
                            "applied_by, dirty FROM schema_migrations WHERE service = ? "
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
  guarded("update schema_migrations", [&] {
    SQLite::Statement update(m_db,
                             "UPDATE schema_migrations SET dirty = ?, duration_ms = COALESCE(?, duration_ms) "
                             "WHERE service = ? AND version = ?");
    update.bind(1, dirty ? 1 : 0);
    if (duration_ms) update.bind(2, static_cast<int64_t>(*duration_ms));
    update.bind(3, service);
    update.bind(4, static_cast<int64_t>(version));
    return update.exec();
  });
}

void SqliteDriver::rewrite(const std::vector<HistoryRow>& rows) {
  in_transaction([&] {
    for (const HistoryRow& row : rows) {
      SQLite::Statement update(m_db,
                               "UPDATE schema_migrations SET name = ?, kind = ?, checksum = ?, dirty = 0 "
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
                              "INSERT INTO schema_migrations (service, version, name, kind, "
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
  SQLite::Statement statement(m_db, "DELETE FROM schema_migrations WHERE service = ? AND version = ?");
  statement.bind(1, service);
  statement.bind(2, static_cast<int64_t>(version));
  statement.exec();
}

}  // namespace migrate::db
