// PostgreSQL migration lock: the session advisory lock that says a runner is alive, the
// lock row that names it, the heartbeat, and breaking a lock.
#include "db/postgres/postgres_driver.hpp"

#include <spdlog/spdlog.h>

#include "db/driver_messages.hpp"
#include "migrate/db/bookkeeping_schema.hpp"
#include "migrate/util/system.hpp"
#include "migrate/util/text.hpp"

namespace migrate::db {

namespace {

// Advisory lock key shared by every migrate runner: "migrate" in ASCII.
constexpr long long k_advisory_lock_key = 0x6d696772617465LL;

// How the holder of a lock row taken through a transaction pooler begins.
constexpr std::string_view k_pooled_holder = "pooled ";

// pg_locks condition for "some session holds the advisory lock": a bigint key shows as
// classid = its high 32 bits, objid = its low 32 bits, objsubid = 1.
const std::string k_advisory_lock_held =
    "locktype = 'advisory' AND granted AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND classid = " +
    std::to_string(k_advisory_lock_key >> 32) + " AND objid = " + std::to_string(k_advisory_lock_key & 0xffffffffLL);

}  // namespace

std::optional<LockInfo> PostgresDriver::read() {
  require_own_history();
  return guarded("read migration_lock", [&]() -> std::optional<LockInfo> {
    if (!table_exists(table("migration_lock"))) return std::nullopt;
    pqxx::nontransaction tx(*m_conn);
    return lock_row(tx);
  });
}

// Direct connection: the session advisory lock says this runner is alive for as long as
// its connection lives; holding it, the runner writes its row. Behind a transaction
// pooler, where no session is the runner's own: the same advisory lock taken for one
// transaction only, in which the row is written. Either way, holding the advisory lock,
// no other session holds it or writes the row, and the bookkeeping tables are created by
// one runner at a time.
LockAttempt PostgresDriver::try_lock(const std::string& holder, std::chrono::milliseconds stale_after) {
  require_own_history();
  return guarded("take the migration lock", [&] {
    LockAttempt attempt;
    if (m_holds_advisory_lock) {
      // Session advisory locks nest: a second pg_try_advisory_lock would succeed and
      // unlock() would then release only one level. Held is held, even by us.
      attempt.holder = read();
      return attempt;
    }
    if (m_pooled) {
      pqxx::work tx(*m_conn);
      if (!tx.exec1("SELECT pg_try_advisory_xact_lock(" + std::to_string(k_advisory_lock_key) + ")")[0].as<bool>()) {
        // A runner on a direct connection holds it, or another one is taking the row now.
        if (!tx.exec1("SELECT pg_catalog.to_regclass(" + tx.quote(table("migration_lock")) + ") IS NULL")[0]
                 .as<bool>()) {
          attempt.holder = lock_row(tx);
        }
        return attempt;
      }
      create_bookkeeping_tables(tx);
      attempt = take_row(tx, holder, stale_after);
      if (attempt.acquired) tx.commit();
      return attempt;
    }
    {
      pqxx::nontransaction tx(*m_conn);
      if (!tx.exec1("SELECT pg_try_advisory_lock(" + std::to_string(k_advisory_lock_key) + ")")[0].as<bool>()) {
        tx.commit();
        attempt.holder = read();
        return attempt;
      }
    }
    m_holds_advisory_lock = true;
    try {
      pqxx::work tx(*m_conn);
      create_bookkeeping_tables(tx);
      attempt = take_row(tx, holder, stale_after);
      if (attempt.acquired) tx.commit();
    } catch (...) {
      release_advisory_lock();  // the row was never committed: its transaction rolled back
      throw;
    }
    if (!attempt.acquired) release_advisory_lock();
    return attempt;
  });
}

// Holding the advisory lock: a row written over a direct connection belongs to a runner
// whose session, and so whose advisory lock, is gone. A row written through a pooler
// says nothing of its session: it is taken over only when its holder is known gone.
LockAttempt PostgresDriver::take_row(pqxx::work& tx, const std::string& holder, std::chrono::milliseconds stale_after) {
  LockAttempt attempt;
  std::optional<LockInfo> current = lock_row(tx);
  if (current && util::starts_with(current->holder, k_pooled_holder) && !pooled_holder_gone(tx, *current, stale_after)) {
    attempt.holder = std::move(current);
    return attempt;
  }
  tx.exec("DELETE FROM " + table("migration_lock"));
  tx.exec_params("INSERT INTO " + table("migration_lock") + " (lock_id, holder) VALUES (1, $1)", row_holder(holder));
  attempt.broken = std::move(current);
  attempt.acquired = true;
  return attempt;
}

// A holder on this host is gone when its process is; one elsewhere when its heartbeat is
// older than stale_after.
bool PostgresDriver::pooled_holder_gone(pqxx::work& tx, const LockInfo& row, std::chrono::milliseconds stale_after) {
  const double held_for =
      tx.exec1("SELECT extract(epoch FROM (now() AT TIME ZONE 'utc') - acquired_at)::float8 FROM " +
               table("migration_lock") + " WHERE lock_id = 1")[0]
          .as<double>();
  if (const std::optional<bool> alive = util::local_holder_alive(row.holder, held_for)) return !*alive;
  return row.heartbeat_age_seconds >= static_cast<double>(stale_after.count()) / 1000.0;
}

// The row's holder: the runner's own name, marked when taken through a pooler so that
// every runner judges the row by its heartbeat rather than by a session.
std::string PostgresDriver::row_holder(const std::string& holder) const {
  return m_pooled ? std::string(k_pooled_holder) + holder : holder;
}

void PostgresDriver::heartbeat(const std::string& holder) {
  guarded("refresh the migration lock", [&] {
    pqxx::nontransaction tx(*m_conn);
    const pqxx::result updated = tx.exec_params(
        "UPDATE " + table("migration_lock") + " SET heartbeat_at = now() AT TIME ZONE 'utc' WHERE holder = $1",
        row_holder(holder));
    if (updated.affected_rows() == 0) throw LockHeld(lost_lock_message(m_url.redacted));
    return 0;
  });
}

// A session holds the advisory lock: a runner on a direct connection. Otherwise a row
// taken through a pooler has no session to look at: its holder's process says, on this
// host; elsewhere nobody knows.
std::optional<bool> PostgresDriver::session_alive() {
  require_own_history();
  return guarded("look up the migration lock's session", [&]() -> std::optional<bool> {
    {
      pqxx::nontransaction tx(*m_conn);
      if (!tx.exec(std::string("SELECT pid FROM pg_locks WHERE ") + k_advisory_lock_held + " LIMIT 1").empty()) {
        return true;
      }
    }
    const std::optional<LockInfo> row = read();
    if (!row || !util::starts_with(row->holder, k_pooled_holder)) return false;
    pqxx::work tx(*m_conn);
    const double held_for =
        tx.exec1("SELECT extract(epoch FROM (now() AT TIME ZONE 'utc') - acquired_at)::float8 FROM " +
                 table("migration_lock") + " WHERE lock_id = 1")[0]
            .as<double>();
    return util::local_holder_alive(row->holder, held_for);
  });
}

std::optional<LockInfo> PostgresDriver::break_lock(const std::string& holder) {
  require_own_history();
  return guarded("break the migration lock", [&]() -> std::optional<LockInfo> {
    pqxx::work tx(*m_conn);
    std::optional<LockInfo> current;
    if (tx.exec1("SELECT pg_catalog.to_regclass(" + tx.quote(table("migration_lock")) + ") IS NOT NULL")[0]
            .as<bool>()) {
      // FOR UPDATE: a runner that takes the advisory lock once its holder is gone waits
      // here before it writes its own row, which therefore survives the DELETE below.
      const pqxx::result rows = tx.exec(
          "SELECT holder, to_char(acquired_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
          "to_char(heartbeat_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
          "extract(epoch FROM (now() AT TIME ZONE 'utc') - heartbeat_at)::float8 "
          "FROM " + table("migration_lock") + " WHERE lock_id = 1 FOR UPDATE");
      if (!rows.empty()) {
        current = LockInfo{rows[0][0].as<std::string>(), rows[0][1].as<std::string>(), rows[0][2].as<std::string>(),
                           rows[0][3].as<double>()};
      }
    }
    if ((current ? current->holder : std::string()) != holder) {
      throw LockHeld("the lock changed hands: it is now " +
                     (current ? "held by " + current->holder : std::string("free of any row")) + ", not by " +
                     (holder.empty() ? std::string("a session without a row") : holder) +
                     "; nothing was broken, look again with `migrate lock status`");
    }
    const pqxx::result sessions =
        tx.exec(std::string("SELECT pid FROM pg_locks WHERE ") + k_advisory_lock_held + " AND pid <> pg_backend_pid()");
    for (const pqxx::row& row : sessions) {
      const int pid = row[0].as<int>();
      spdlog::warn("terminating PostgreSQL backend {}, which holds the migration lock", pid);
      // From PostgreSQL 14 on, waits up to 10 s for the backend to exit and free its locks.
      const bool ended = tx.exec_params1(m_conn->server_version() >= 140000 ? "SELECT pg_terminate_backend($1, 10000)"
                                                                            : "SELECT pg_terminate_backend($1)",
                                         pid)[0]
                             .as<bool>();
      if (!ended) {
        throw RevisionFailed("PostgreSQL backend " + std::to_string(pid) +
                             ", which holds the migration lock, did not end; nothing was broken");
      }
    }
    if (current) tx.exec("DELETE FROM " + table("migration_lock") + " WHERE lock_id = 1");
    tx.commit();
    return current;
  });
}

void PostgresDriver::unlock(const std::string& holder) noexcept {
  try {
    pqxx::nontransaction tx(*m_conn);
    tx.exec_params("DELETE FROM " + table("migration_lock") + " WHERE holder = $1", row_holder(holder));
  } catch (const pqxx::broken_connection&) {
    spdlog::warn(
        "the migration lock row on {} stays behind: the connection is gone, and with it the session "
        "lock, so the next runner takes the row over",
        m_url.redacted);
  } catch (const std::exception& e) {
    // The row is taken over by the next runner once the session lock is gone.
    spdlog::warn("could not delete the migration lock row on {}: {}", m_url.redacted,
                 util::trim(config::redact(e.what(), m_url)));
  }
  if (m_holds_advisory_lock) release_advisory_lock();
}

// Only when missing: CREATE TABLE IF NOT EXISTS needs the CREATE privilege even when
// the tables exist, and a role with just table grants must still be able to run. Called
// holding the advisory lock, so no two runners create them at once. The history table's
// columns are looked at again here, in the same round trip: a table of another tool's
// made since connecting is refused before anything is written.
void PostgresDriver::create_bookkeeping_tables(pqxx::work& tx) {
  const pqxx::row found = tx.exec1("SELECT " + history_columns_query(tx.quote(history_table())) +
                                   ", pg_catalog.to_regclass(" + tx.quote(table("migration_lock")) + ") IS NOT NULL");
  note_history_columns(found[0]);
  require_own_history();
  if (m_history_shape == HistoryShape::own && found[1].as<bool>()) return;
  try {
    tx.exec(bookkeeping_sql(k_postgres_bookkeeping_sql, m_history_name));
  } catch (const pqxx::insufficient_privilege& e) {
    const std::string text = e.what();
    std::string first(util::trim(text.substr(0, text.find('\n'))));
    if (util::starts_with(first, "ERROR:")) first = std::string(util::trim(first.substr(6)));
    throw RevisionFailed("cannot create migrate's tables " + m_url.history_table + " and migration_lock: " +
                             config::redact(first, m_url) + " (the role needs the CREATE privilege on it)",
                         e.sqlstate());
  }
}

void PostgresDriver::release_advisory_lock() noexcept {
  try {
    pqxx::nontransaction tx(*m_conn);
    tx.exec("SELECT pg_advisory_unlock(" + std::to_string(k_advisory_lock_key) + ")");
    m_holds_advisory_lock = false;
  } catch (const std::exception& e) {
    // The session lock dies with the connection.
    spdlog::debug("could not release the advisory lock: {}", config::redact(e.what(), m_url));
  }
}

std::optional<LockInfo> PostgresDriver::lock_row(pqxx::transaction_base& tx) {
  const pqxx::result rows = tx.exec(
      "SELECT holder, to_char(acquired_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
      "to_char(heartbeat_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
      "extract(epoch FROM (now() AT TIME ZONE 'utc') - heartbeat_at)::float8 "
      "FROM " + table("migration_lock") + " WHERE lock_id = 1");
  if (rows.empty()) return std::nullopt;
  return LockInfo{rows[0][0].as<std::string>(), rows[0][1].as<std::string>(), rows[0][2].as<std::string>(),
                  rows[0][3].as<double>()};
}

}  // namespace migrate::db
