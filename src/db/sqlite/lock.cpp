// SQLite migration lock: the lock row, its holder judged alive by its process on this host
// or by its heartbeat elsewhere, the heartbeat, and breaking a lock.
#include "db/sqlite/sqlite_driver.hpp"

#include <sqlite3.h>

#include <algorithm>

#include "db/driver_messages.hpp"
#include "migrate/db/bookkeeping_schema.hpp"
#include "migrate/util/system.hpp"

namespace migrate::db {

namespace {

constexpr int k_lock_busy_timeout_ms = 100;

}  // namespace

std::optional<LockInfo> SqliteDriver::read() {
  require_own_history();
  return guarded("read migration_lock", [&]() -> std::optional<LockInfo> {
    if (!m_db.tableExists("migration_lock")) return std::nullopt;
    return lock_row();
  });
}

void SqliteDriver::set_wait(std::chrono::milliseconds wait) {
  m_busy_wait = std::max(wait, k_busy_timeout);
  m_db.setBusyTimeout(busy_timeout_ms());
}

LockAttempt SqliteDriver::try_lock(const std::string& holder, std::chrono::milliseconds stale_after) {
  // Another runner's revision may hold SQLite's write lock for a long time: wait for it
  // only briefly here and report "not acquired", so that LockGuard keeps polling.
  m_db.setBusyTimeout(k_lock_busy_timeout_ms);
  struct RestoreTimeout {
    SQLite::Database& db;
    int timeout_ms;
    ~RestoreTimeout() { db.setBusyTimeout(timeout_ms); }
  } restore{m_db, busy_timeout_ms()};
  try {
    return take_lock(holder, stale_after);
  } catch (const RevisionFailed& e) {
    if (e.sqlstate().empty()) throw;
    const int primary = std::stoi(e.sqlstate()) & 0xff;  // the extended code's primary part
    if (primary != SQLITE_BUSY && primary != SQLITE_LOCKED) throw;
    LockAttempt attempt;
    try {
      attempt.holder = m_db.tableExists("migration_lock") ? lock_row() : std::nullopt;
      // No runner's row, or the row of a runner of this host that is gone: whoever holds
      // the write lock is no migrate runner.
      if (!attempt.holder || holder_alive(*attempt.holder) == std::optional<bool>(false)) {
        attempt.holder.reset();
        attempt.blocked_by = foreign_lock_cause();
      }
    } catch (const SQLite::Exception&) {
      // The writer is committing; who holds the lock is unknown for now.
    }
    return attempt;
  }
}

LockAttempt SqliteDriver::take_lock(const std::string& holder, std::chrono::milliseconds stale_after) {
  return guarded("take the migration lock", [&] {
    LockAttempt attempt;
    ImmediateTransaction tx(m_db);
    // Looked at inside the write transaction: no other writer can make the table now.
    require_own_history();
    m_db.exec(bookkeeping_sql(k_sqlite_bookkeeping_sql, m_history_quoted));
    std::optional<LockInfo> current = lock_row();
    if (current && !holder_gone(*current, stale_after)) {
      attempt.holder = current;
      return attempt;  // rolled back: nothing to keep
    }
    m_db.exec("DELETE FROM migration_lock");
    SQLite::Statement take(m_db, "INSERT INTO migration_lock (lock_id, holder) VALUES (1, ?)");
    take.bind(1, holder);
    take.exec();
    tx.commit();
    m_lock_holder = holder;
    attempt.acquired = true;
    attempt.broken = current;
    return attempt;
  });
}

void SqliteDriver::heartbeat(const std::string& holder) {
  guarded("refresh the migration lock", [&] {
    SQLite::Statement update(m_db,
                             "UPDATE migration_lock SET heartbeat_at = "
                             "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE holder = ?");
    update.bind(1, holder);
    if (update.exec() == 0) throw LockHeld(lost_lock_message(m_label));
    return 0;
  });
}

std::optional<bool> SqliteDriver::session_alive() {
  require_own_history();
  return guarded("read migration_lock", [&]() -> std::optional<bool> {
    if (!m_db.tableExists("migration_lock")) return std::nullopt;
    const std::optional<LockInfo> current = lock_row();
    return current ? holder_alive(*current) : std::nullopt;
  });
}

std::optional<LockInfo> SqliteDriver::break_lock(const std::string& holder) {
  require_own_history();
  return guarded("break the migration lock", [&]() -> std::optional<LockInfo> {
    if (!m_db.tableExists("migration_lock")) {
      throw LockHeld("the lock of " + holder + " is gone already; nothing was broken");
    }
    ImmediateTransaction tx(m_db);
    std::optional<LockInfo> removed = lock_row();
    if (!removed || removed->holder != holder) {
      throw LockHeld("the lock changed hands: it is now " +
                     (removed ? "held by " + removed->holder : std::string("free")) + ", not by " + holder +
                     "; nothing was broken, look again with `migrate lock status`");
    }
    m_db.exec("DELETE FROM migration_lock");
    tx.commit();
    return removed;
  });
}

void SqliteDriver::unlock(const std::string& holder) noexcept {
  if (holder == m_lock_holder) m_lock_holder.clear();
  try {
    SQLite::Statement release(m_db, "DELETE FROM migration_lock WHERE holder = ?");
    release.bind(1, holder);
    release.exec();
  } catch (const SQLite::Exception& e) {
    spdlog::warn("could not release the migration lock on {}: {}", m_label, e.what());
  }
}

std::optional<LockInfo> SqliteDriver::lock_row() {
  SQLite::Statement query(m_db,
                          "SELECT holder, acquired_at, heartbeat_at, "
                          "(julianday('now') - julianday(heartbeat_at)) * 86400.0 "
                          "FROM migration_lock WHERE lock_id = 1");
  if (!query.executeStep()) return std::nullopt;
  return LockInfo{query.getColumn(0).getString(), query.getColumn(1).getString(), query.getColumn(2).getString(),
                  query.getColumn(3).getDouble()};
}

// Whether the holder of the lock row is gone: a process of this host by its pid, at once
// (alive, it is never taken over, however old its heartbeat: it may be inside one long
// statement); a holder on another host when its heartbeat is older than stale_after.
bool SqliteDriver::holder_gone(const LockInfo& holder, std::chrono::milliseconds stale_after) {
  if (const std::optional<bool> alive = holder_alive(holder)) return !*alive;
  return holder.heartbeat_age_seconds >= static_cast<double>(stale_after.count()) / 1000.0;
}

// util::local_holder_alive for the lock row's holder: nullopt for another host's.
std::optional<bool> SqliteDriver::holder_alive(const LockInfo& holder) {
  SQLite::Statement query(m_db,
                          "SELECT (julianday('now') - julianday(acquired_at)) * 86400.0 "
                          "FROM migration_lock WHERE holder = ?");
  query.bind(1, holder.holder);
  const double held_for = query.executeStep() ? query.getColumn(0).getDouble() : 0.0;
  return util::local_holder_alive(holder.holder, held_for);
}

// Inside a write transaction: its commit refreshes the lock's heartbeat too, so however
// long a revision ran, the lock is never seen stale between its commit and the next
// heartbeat (nobody can write, and so take the lock over, while it runs).
// Throws LockHeld, which rolls the transaction back, when the lock was lost meanwhile.
void SqliteDriver::refresh_heartbeat() {
  if (m_lock_holder.empty()) return;
  SQLite::Statement update(m_db,
                           "UPDATE migration_lock SET heartbeat_at = "
                           "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE holder = ?");
  update.bind(1, m_lock_holder);
  if (update.exec() == 0) throw LockHeld(lost_lock_message(m_label));
}

}  // namespace migrate::db
