// PostgreSQL through libpqxx 6.4. Every pqxx exception is translated here (STYLE rule 2).
#include "db/postgres_driver.hpp"

#include <libpq-fe.h>

#include <algorithm>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "migrate/db/bookkeeping_schema.hpp"
#include "db/driver_messages.hpp"
#include "db/postgres_session.hpp"
#include "migrate/source/statement_lexer.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/text.hpp"

namespace migrate::db {

namespace {

// Why SQL holding a NUL byte is refused before it is sent.
constexpr const char* k_nul_refused =
    "the SQL holds a NUL byte, where libpq would cut it short; nothing of it was run";

// Session advisory lock key shared by every migrate runner: "migrate" in ASCII.
constexpr long long k_advisory_lock_key = 0x6d696772617465LL;

// pg_locks condition for "some session holds the advisory lock": a bigint key shows as
// classid = its high 32 bits, objid = its low 32 bits, objsubid = 1.
const std::string k_advisory_lock_held =
    "locktype = 'advisory' AND granted AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND classid = " + std::to_string(k_advisory_lock_key >> 32) +
    " AND objid = " + std::to_string(k_advisory_lock_key & 0xffffffffLL);

// "SET LOCAL lock_timeout = '5000ms';" for each limit that is set (LOCAL: for this
// transaction only; `scope` "" for the session).
std::string timeout_settings(const Timeouts& timeouts, std::string_view scope) {
  std::string sql;
  auto add = [&](std::string_view name, const std::optional<std::chrono::milliseconds>& limit) {
    if (limit) sql += "SET " + std::string(scope) + std::string(name) + " = '" + std::to_string(limit->count()) + "ms';";
  };
  add("lock_timeout", timeouts.lock_timeout);
  add("statement_timeout", timeouts.statement_timeout);
  return sql;
}

// Milliseconds since the transaction began (now() is the start of the transaction), i.e.
// the revision's own run time measured by the server, written in the same batch.
constexpr std::string_view k_elapsed_ms =
    "(extract(epoch FROM clock_timestamp() - now()) * 1000)::integer";

// Routes server notices (NOTICE: table does not exist, skipping) to debug logging
// instead of libpqxx's default of printing them to stderr.
class NoticeLogger final : public pqxx::errorhandler {
 public:
  explicit NoticeLogger(pqxx::connection_base& conn) : pqxx::errorhandler(conn) {}
  bool operator()(const char message[]) noexcept override {
    try {
      spdlog::debug("postgres: {}", util::trim(message));
    } catch (...) {
    }
    return false;
  }
};

// The "LINE n:" libpq puts in a server error that has a position: n counts the lines of
// the whole query sent; 0 when the error has no position.
std::size_t error_line(const std::string& text) {
  const std::size_t at = text.find("\nLINE ");
  if (at == std::string::npos) return 0;
  std::size_t line = 0;
  for (std::size_t i = at + 6; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    line = line * 10 + static_cast<std::size_t>(text[i] - '0');
  }
  return line;
}

// Whether a server error is a syntax error at a backslash: outside a string, only a psql
// meta-command (\restrict, \connect …) puts one there, and only psql understands it.
bool at_meta_command(const std::string& text) {
  return text.find("syntax error at or near \"\\\"") != std::string::npos;
}

// "syntax error at or near "x" (line 3)": the first line of a server error, without the
// "ERROR:" tag, with the line number libpq reports for the statement position, counted
// from `first_line` of the query sent (a revision's first line within a batch). A line
// past `last_line` (the revision's last) is in migrate's own statements: never blamed on
// the file.
std::string describe(const pqxx::sql_error& e, std::size_t first_line = 1,
                     std::size_t last_line = std::string::npos) {
  const std::string text = e.what();
  std::string first(util::trim(text.substr(0, text.find('\n'))));
  for (std::string_view tag : {"ERROR:", "FATAL:"}) {
    if (util::starts_with(first, tag)) first = std::string(util::trim(first.substr(tag.size())));
  }
  if (const std::size_t line = error_line(text); line > last_line) {
    first += " (in migrate's own bookkeeping statement after the revision, not in its file)";
  } else if (line >= first_line) {
    first += " (line " + std::to_string(line - first_line + 1) + ")";
    if (at_meta_command(text)) {
      first += ": a psql meta-command (\\restrict, \\connect, \\i …) is not SQL; remove it from the file "
               "(pg_dump 15.14+ writes \\restrict and \\unrestrict lines)";
    }
  }
  return first;
}

// How soon the server notices that a runner is gone (killed, its host lost) while a statement
// runs, and rolls back its transaction (PostgreSQL 14 and later): without it, a revision
// whose client died runs on to the end, and commits.
constexpr std::string_view k_connection_check_interval = "2s";

// The libpq connection under a libpqxx transaction: libpqxx 6.4 hands it out only to
// large objects, through this protected accessor.
class RawConnection final : private pqxx::largeobject {
 public:
  static PGconn* of(const pqxx::dbtransaction& tx) { return pqxx::largeobject::raw_connection(tx); }
};

// Run from the SIGINT/SIGTERM handler: PQcancel is async-signal-safe.
void cancel_postgres(void* cancel) noexcept {
  char error[256];
  PQcancel(static_cast<PGcancel*>(cancel), error, sizeof error);
}

// A statement cancelled by our own interrupt handler (SQLSTATE 57014 is also what a
// statement_timeout gives): throws Interrupted.
void throw_if_interrupted(const pqxx::sql_error& e) {
  if (e.sqlstate() == "57014") util::throw_if_interrupted();
}

// When a revision of a batch began: epoch seconds kept in the setting migrate.started,
// or, if the revision reset it (RESET ALL), the receipt of the whole batch.
const std::string k_batch_started =
    "coalesce(nullif(current_setting('migrate.started', true), '')::float8, extract(epoch FROM now())::float8)";

// Milliseconds since the revision began, as the server's clock sees it, and its start as
// the history's UTC timestamp.
const std::string k_batch_elapsed_ms =
    "((extract(epoch FROM clock_timestamp())::float8 - " + k_batch_started + ") * 1000)::integer";
const std::string k_batch_applied_at = "to_timestamp(" + k_batch_started + ") AT TIME ZONE 'utc'";

class PostgresDriver final : public Driver, public HistoryTable, public MigrationLock {
 public:
  explicit PostgresDriver(const config::DatabaseUrl& url) : m_url(url) {
    try {
      m_conn = std::make_unique<pqxx::connection>(url.conninfo);
      m_notices = std::make_unique<NoticeLogger>(*m_conn);
      configure_session();
      // The runner's own search_path, and the schema its bookkeeping tables live in (or will
      // be created in: the first schema of that path).
      pqxx::nontransaction tx(*m_conn);
      const pqxx::row own = tx.exec1(
          "SELECT pg_catalog.current_setting('search_path'), coalesce((SELECT n.nspname FROM pg_catalog.pg_class c "
          "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = "
          "pg_catalog.to_regclass('migration_lock')), pg_catalog.current_schema())");
      m_search_path = own[0].as<std::string>();
      if (!own[1].is_null()) m_schema = m_conn->quote_name(own[1].as<std::string>()) + ".";
    } catch (const pqxx::broken_connection& e) {
      throw DatabaseUnreachable(unreachable_message(e.what()));
    } catch (const std::exception& e) {
      throw DatabaseUnreachable(unreachable_message(e.what()));
    }
  }

  ~PostgresDriver() override {
    m_notices.reset();  // must go before the connection it is registered with
  }

  Dialect dialect() const override { return Dialect::postgres; }

  HistoryTable& history() override { return *this; }

  MigrationLock& lock() override { return *this; }

  int server_version() const override { return m_conn->server_version(); }

  std::vector<AppliedRevision> read(const std::string& service) override {
    return guarded("read schema_migrations", [&] {
      std::vector<AppliedRevision> history;
      if (!table_exists("schema_migrations")) return history;
      pqxx::nontransaction tx(*m_conn);
      const pqxx::result rows = tx.exec_params(
          "SELECT version, name, kind, checksum, "
          "to_char(applied_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), duration_ms, applied_by, dirty "
          "FROM schema_migrations WHERE service = $1 ORDER BY version",
          service);
      history.reserve(rows.size());
      for (const pqxx::row& row : rows) {
        history.push_back({row[0].as<Version>(), row[1].as<std::string>(), row[2].as<std::string>(),
                           row[3].as<std::string>(), row[4].as<std::string>(),
                           row[5].as<std::int64_t>(), row[6].as<std::string>(), row[7].as<bool>()});
      }
      return history;
    });
  }

  void apply(const std::string& sql, const HistoryRow& row) override {
    // One round trip: the revision and its history row travel in one simple query inside
    // an explicit transaction. "BEGIN;" shares the revision's first line so that line
    // numbers in server errors match the file.
    reject_nul(sql);
    run_in_transaction(sql + "\n;\n" + restore_session() + insert_statement(row, k_elapsed_ms) + ";\n",
                       HistoryCheck{row.service, row.version, true}, line_count(sql));
  }

  void revert(const std::string& sql, const std::string& service, Version version) override {
    reject_nul(sql);
    run_in_transaction(sql + "\n;\n" + restore_session() + delete_statement(service, version) + ";\n",
                       HistoryCheck{service, version, false}, line_count(sql));
  }

  // The whole batch travels as one simple query, each step in its own BEGIN … COMMIT:
  // the server runs the statements in order and stops at the first error, so the steps
  // before it stay committed. Which steps committed is read from schema_migrations (their
  // rows are there after an apply, gone after a revert), in the batch's last statement or,
  // after an error, right after it. Each committed step also appends its duration to a
  // session setting named for the batch (undone with a transaction that rolls back).
  BatchOutcome run_batch(BatchKind kind, const std::vector<BatchStep>& steps) override {
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].sql.find('\0') != std::string_view::npos) {
        // Nothing runs: the caller runs the steps before it again, then this one alone,
        // which apply refuses with its name.
        BatchOutcome refused;
        refused.failed_at = i;
        refused.error.emplace(k_nul_refused);
        return refused;
      }
    }
    const std::string durations = "migrate.batch_" + std::to_string(++m_batches);
    std::string query;
    std::vector<std::size_t> first_lines;  // the line of the query on which each step starts
    std::size_t lines = 1;
    for (const BatchStep& step : steps) {
      first_lines.push_back(lines);
      // The step's first line shares the query line of its BEGIN, so its lines keep their
      // offsets from first_lines.
      std::string segment = "BEGIN;SELECT set_config('migrate.started', extract(epoch FROM clock_timestamp())::text, "
                            "true);" + timeout_settings(step.timeouts, "LOCAL ");
      segment += step.sql;
      segment += "\n;\n" + restore_session();
      segment += kind == BatchKind::apply
                     ? insert_statement(step.row, k_batch_elapsed_ms, k_batch_applied_at)
                     : delete_statement(step.row.service, step.row.version);
      segment += ";\nSELECT set_config('" + durations + "', coalesce(current_setting('" + durations + "', true), '') || " +
                 std::string(k_batch_elapsed_ms) + " || ',', false);COMMIT;\n";
      lines += static_cast<std::size_t>(std::count(segment.begin(), segment.end(), '\n'));
      query += segment;
    }
    std::string versions;
    for (const BatchStep& step : steps) versions += (versions.empty() ? "" : ",") + std::to_string(step.row.version);
    const std::string settle = "SELECT current_setting('" + durations + "', true), (SELECT string_agg(version::text, ',') "
                               "FROM schema_migrations WHERE service = " + m_conn->quote(steps.front().row.service) +
                               " AND version IN (" + versions + "))";
    query += settle;

    BatchOutcome outcome;
    try {
      pqxx::nontransaction tx(*m_conn);
      settle_outcome(kind, steps, tx.exec(query), outcome);
      if (outcome.failed_at != steps.size()) {
        // A revision that rewrote schema_migrations itself: report what the rows show, run
        // nothing again, and stop.
        outcome.lost = std::make_exception_ptr(Error(
            ExitCode::failed, "after a batch of revisions ran without error, schema_migrations does not show "
                              "revision " + format_version(steps[outcome.failed_at].row.version) +
                              (kind == BatchKind::apply ? " as applied" : " as rolled back") +
                              "; see `migrate status " + steps.front().row.service + "`"));
      }
      return outcome;
    } catch (const pqxx::broken_connection& e) {
      const std::string lost = "lost the connection to " + m_url.redacted + " during a batch of revisions: " +
                               lost_reason(e);
      // The server may have committed some of them: learn which over a new connection,
      // so that they are reported and audited before the error.
      try {
        pqxx::connection again(m_url.conninfo);
        pqxx::nontransaction tx(again);
        settle_outcome(kind, steps, tx.exec(settle), outcome);
      } catch (const std::exception&) {
        throw DatabaseUnreachable(lost + " (revisions before the one running may have committed; `migrate status` "
                                         "shows which)");
      }
      outcome.error.reset();
      outcome.lost = std::make_exception_ptr(DatabaseUnreachable(lost + " (the one running was rolled back)"));
      return outcome;
    } catch (const pqxx::sql_error& e) {
      rollback_quietly();
      guarded("read which revisions of a batch committed", [&] {
        pqxx::nontransaction tx(*m_conn);
        settle_outcome(kind, steps, tx.exec(settle), outcome);
        return 0;
      });
      // Statements run in order, so the error is the first uncommitted step's, unless the
      // server refused the whole query before running any of it (a syntax error in a
      // later step): then its position names the step.
      if (const std::size_t line = error_line(e.what());
          line != 0 && outcome.committed.empty() && e.sqlstate() == "42601") {
        const auto later = std::upper_bound(first_lines.begin(), first_lines.end(), line);
        outcome.failed_at = static_cast<std::size_t>(later - first_lines.begin()) - 1;
      }
      const std::size_t first = first_lines.at(outcome.failed_at);
      outcome.error.emplace(
          config::redact(describe(e, first, first + line_count(steps.at(outcome.failed_at).sql) - 1), m_url),
          e.sqlstate());
      return outcome;
    }
  }

  // From the settle query's row: the committed prefix of steps (by their history rows) and
  // its durations (0 where the session setting lost them, e.g. to a RESET ALL).
  static void settle_outcome(BatchKind kind, const std::vector<BatchStep>& steps, const pqxx::result& result,
                             BatchOutcome& outcome) {
    std::vector<Version> present;
    if (!result.empty() && !result[0][1].is_null()) {
      const std::string list = result[0][1].as<std::string>();
      for (std::size_t start = 0; start <= list.size();) {
        const std::size_t comma = std::min(list.find(',', start), list.size());
        present.push_back(std::stoll(list.substr(start, comma - start)));
        start = comma + 1;
      }
    }
    std::size_t done = 0;
    while (done < steps.size()) {
      const bool recorded = std::find(present.begin(), present.end(), steps[done].row.version) != present.end();
      if (recorded != (kind == BatchKind::apply)) break;
      ++done;
    }
    std::vector<std::chrono::milliseconds> measured = parse_durations(result);
    measured.resize(done, std::chrono::milliseconds{0});
    outcome.committed = std::move(measured);
    outcome.failed_at = done;
  }

  void apply_step(const StepBody& body, const HistoryRow& row) override {
    step_transaction(body, [&](pqxx::work& tx, std::int64_t elapsed_ms) {
      tx.exec(restore_session());
      tx.exec(insert_statement(row, std::to_string(elapsed_ms)));
    });
  }

  void revert_step(const StepBody& body, const std::string& service, Version version) override {
    step_transaction(body, [&](pqxx::work& tx, std::int64_t) {
      tx.exec(restore_session());
      tx.exec_params("DELETE FROM schema_migrations WHERE service = $1 AND version = $2", service, version);
    });
  }

  void transact(const StepBody& body) override {
    step_transaction(body, [](pqxx::work&, std::int64_t) {});
  }

  void set_timeouts(const Timeouts& timeouts) override { m_timeouts = timeouts; }

  void execute_each(std::string_view sql, const std::function<void()>& after_each) override {
    reject_nul(sql);
    const std::vector<source::Statement> statements = source::split_statements(sql);
    if (const std::string settings = timeout_settings(m_timeouts, ""); !settings.empty()) {
      guarded("set the session's timeouts", [&] {
        exec(settings);
        return 0;
      });
    }
    try {
      int number = 0;
      for (const source::Statement& statement : statements) {
        if (statement.blank) continue;
        ++number;
        run_alone(statement, number);
        after_each();
      }
    } catch (...) {
      reset_session();
      throw;
    }
    reset_session();
  }

  void set_dirty(const std::string& service, Version version, bool dirty,
                 std::optional<std::int64_t> duration_ms) override {
    guarded("update schema_migrations", [&] {
      pqxx::nontransaction tx(*m_conn);
      tx.exec_params(
          "UPDATE schema_migrations SET dirty = $3, duration_ms = COALESCE($4, duration_ms) "
          "WHERE service = $1 AND version = $2",
          service, version, dirty, duration_ms);
      return 0;
    });
  }

  void rewrite(const std::vector<HistoryRow>& rows) override {
    guarded("rewrite schema_migrations", [&] {
      pqxx::work tx(*m_conn);
      for (const HistoryRow& row : rows) {
        tx.exec_params(
            "UPDATE schema_migrations SET name = $3, kind = $4, checksum = $5, dirty = FALSE "
            "WHERE service = $1 AND version = $2",
            row.service, row.version, row.name, row.kind, row.checksum);
      }
      tx.commit();
      return 0;
    });
  }

  void record(const std::string& service, const std::vector<HistoryRow>& insert,
                      const std::vector<Version>& remove) override {
    std::string batch;
    for (Version version : remove) batch += delete_statement(service, version) + ";\n";
    for (const HistoryRow& row : insert) batch += insert_statement(row, "0") + ";\n";
    run_in_transaction(batch);
  }

  std::optional<LockInfo> read() override {
    return guarded("read migration_lock", [&]() -> std::optional<LockInfo> {
      if (!table_exists("migration_lock")) return std::nullopt;
      pqxx::nontransaction tx(*m_conn);
      return lock_row(tx);
    });
  }

  LockAttempt try_lock(const std::string& holder, std::chrono::milliseconds) override {
    return guarded("take the migration lock", [&] {
      LockAttempt attempt;
      if (m_holds_advisory_lock) {
        // Session advisory locks nest: a second pg_try_advisory_lock would succeed and
        // unlock() would then release only one level. Held is held, even by us.
        attempt.holder = read();
        return attempt;
      }
      {
        pqxx::nontransaction tx(*m_conn);
        if (!tx.exec1("SELECT pg_try_advisory_lock(" + std::to_string(k_advisory_lock_key) + ")")[0]
                 .as<bool>()) {
          tx.commit();
          attempt.holder = table_exists("migration_lock") ? read() : std::nullopt;
          return attempt;
        }
      }
      m_holds_advisory_lock = true;
      try {
        // Holding the advisory lock, this session is the only runner: create the tables
        // if needed, and any row left behind belongs to a runner whose session is gone.
        create_bookkeeping_tables();
        pqxx::work tx(*m_conn);
        attempt.broken = lock_row(tx);
        tx.exec("DELETE FROM migration_lock");
        tx.exec_params("INSERT INTO migration_lock (lock_id, holder) VALUES (1, $1)", holder);
        tx.commit();
      } catch (...) {
        release_advisory_lock();  // the row was never committed: its transaction rolled back
        throw;
      }
      attempt.acquired = true;
      return attempt;
    });
  }

  void heartbeat(const std::string& holder) override {
    guarded("refresh the migration lock", [&] {
      pqxx::nontransaction tx(*m_conn);
      const pqxx::result updated = tx.exec_params(
          "UPDATE " + m_schema + "migration_lock SET heartbeat_at = now() AT TIME ZONE 'utc' WHERE holder = $1",
          holder);
      if (updated.affected_rows() == 0) throw LockHeld(lost_lock_message(m_url.redacted));
      return 0;
    });
  }

  std::optional<bool> session_alive() override {
    return guarded("look up the migration lock's session", [&] {
      pqxx::nontransaction tx(*m_conn);
      return !tx.exec(std::string("SELECT pid FROM pg_locks WHERE ") + k_advisory_lock_held + " LIMIT 1").empty();
    });
  }

  std::optional<LockInfo> break_lock(const std::string& holder) override {
    return guarded("break the migration lock", [&]() -> std::optional<LockInfo> {
      pqxx::work tx(*m_conn);
      std::optional<LockInfo> current;
      if (tx.exec1("SELECT to_regclass('migration_lock') IS NOT NULL")[0].as<bool>()) {
        // FOR UPDATE: a runner that takes the advisory lock once its holder is gone waits
        // here before it writes its own row, which therefore survives the DELETE below.
        const pqxx::result rows = tx.exec(
            "SELECT holder, to_char(acquired_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
            "to_char(heartbeat_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
            "extract(epoch FROM (now() AT TIME ZONE 'utc') - heartbeat_at)::float8 "
            "FROM migration_lock WHERE lock_id = 1 FOR UPDATE");
        if (!rows.empty()) {
          current = LockInfo{rows[0][0].as<std::string>(), rows[0][1].as<std::string>(),
                             rows[0][2].as<std::string>(), rows[0][3].as<double>()};
        }
      }
      if ((current ? current->holder : std::string()) != holder) {
        throw LockHeld("the lock changed hands: it is now " +
                       (current ? "held by " + current->holder : std::string("free of any row")) +
                       ", not by " + (holder.empty() ? std::string("a session without a row") : holder) +
                       "; nothing was broken, look again with `migrate lock status`");
      }
      const pqxx::result sessions = tx.exec(std::string("SELECT pid FROM pg_locks WHERE ") + k_advisory_lock_held +
                                            " AND pid <> pg_backend_pid()");
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
      if (current) tx.exec("DELETE FROM migration_lock WHERE lock_id = 1");
      tx.commit();
      return current;
    });
  }

  void unlock(const std::string& holder) noexcept override {
    try {
      pqxx::nontransaction tx(*m_conn);
      tx.exec_params("DELETE FROM migration_lock WHERE holder = $1", holder);
    } catch (const pqxx::broken_connection&) {
      spdlog::warn("the migration lock row on {} stays behind: the connection is gone, and with it the session "
                   "lock, so the next runner takes the row over",
                   m_url.redacted);
    } catch (const std::exception& e) {
      // The row is taken over by the next runner once the session lock is gone.
      spdlog::warn("could not delete the migration lock row on {}: {}", m_url.redacted,
                   util::trim(config::redact(e.what(), m_url)));
    }
    if (m_holds_advisory_lock) release_advisory_lock();
  }

 private:
  // One transaction: the cancel handle for the interrupt handler, then the session's
  // settings. application_name names migrate in pg_stat_activity unless the URL, PGAPPNAME
  // or the role set one; client_connection_check_interval where the server has it.
  void configure_session() {
    for (bool check_interval : {m_conn->server_version() >= 140000, false}) {
      try {
        pqxx::work tx(*m_conn);
        PGconn* raw = RawConnection::of(tx);
        m_raw = raw;
        if (!m_cancel) {
          m_cancel.reset(PQgetCancel(raw));
          if (m_cancel) {
            m_cancel_registration = std::make_unique<util::CancelRegistration>(cancel_postgres, m_cancel.get());
          }
        }
        const char* name = PQparameterStatus(raw, "application_name");
        std::string sql = "SET client_min_messages TO warning";
        if (name == nullptr || *name == '\0') sql += ";SET application_name TO 'migrate'";
        if (check_interval) {
          sql += ";SET client_connection_check_interval TO '" + std::string(k_connection_check_interval) + "'";
        }
        tx.exec(sql);
        tx.commit();
        return;
      } catch (const pqxx::sql_error& e) {
        // A platform without the check (the server refuses any value but 0): go without.
        if (!check_interval) throw;
        spdlog::debug("client_connection_check_interval not set: {}", e.what());
      }
    }
  }

  // Why the connection is gone: the server's own last words when it said why (a FATAL
  // before closing: "terminating connection due to administrator command" on pg_ctl
  // restart or pg_terminate_backend), which libpq keeps and libpqxx's exception loses.
  // Once lost, libpqxx may open a new connection (and free this one) on the next use: the
  // handle is not kept past the first loss.
  std::string lost_reason(const pqxx::broken_connection& e) {
    const std::string text = m_raw != nullptr ? PQerrorMessage(m_raw) : "";
    m_raw = nullptr;
    std::string reason;
    for (std::size_t start = 0; start < text.size();) {
      const std::size_t end = std::min(text.find('\n', start), text.size());
      const std::string_view line = util::trim(std::string_view(text).substr(start, end - start));
      if (util::starts_with(line, "FATAL:") && reason.empty()) reason = std::string(util::trim(line.substr(6)));
      start = end + 1;
    }
    if (!reason.empty()) return "the server closed the connection: " + config::redact(reason, m_url);
    if (text.find("server closed the connection") != std::string::npos) {
      return "the server closed the connection unexpectedly";
    }
    return config::redact(std::string(util::trim(e.what())), m_url);
  }

  std::string unreachable_message(const std::string& detail) const {
    return "cannot connect to " + m_url.redacted + ": " +
           config::redact(std::string(util::trim(detail.substr(0, detail.find('\n')))), m_url);
  }

  // Runs body, translating libpqxx errors into migrate errors.
  template <typename Body>
  auto guarded(const char* what, Body&& body) -> decltype(body()) {
    try {
      return body();
    } catch (const pqxx::broken_connection& e) {
      throw DatabaseUnreachable("lost the connection to " + m_url.redacted + " while trying to " +
                                what + ": " + lost_reason(e));
    } catch (const pqxx::sql_error& e) {
      throw_if_interrupted(e);
      throw RevisionFailed("cannot " + std::string(what) + ": " + config::redact(describe(e), m_url),
                           e.sqlstate());
    } catch (const pqxx::failure& e) {
      throw RevisionFailed("cannot " + std::string(what) + ": " + config::redact(e.what(), m_url));
    }
  }

  // CREATE TABLE IF NOT EXISTS needs CREATE on the schema even when the tables exist.
  // Only when missing: CREATE TABLE IF NOT EXISTS needs the CREATE privilege even when
  // the table exists, and a role with just table grants must still be able to run.
  void create_bookkeeping_tables() {
    {
      pqxx::nontransaction tx(*m_conn);
      if (tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL AND to_regclass('migration_lock') IS NOT NULL")[0]
              .as<bool>()) {
        return;
      }
    }
    try {
      exec(std::string(k_postgres_bookkeeping_sql));
    } catch (const pqxx::insufficient_privilege& e) {
      const std::string text = e.what();
      std::string first(util::trim(text.substr(0, text.find('\n'))));
      if (util::starts_with(first, "ERROR:")) first = std::string(util::trim(first.substr(6)));
      throw RevisionFailed("cannot create migrate's tables schema_migrations and migration_lock: " +
                               config::redact(first, m_url) + " (the role needs the CREATE privilege on it)",
                           e.sqlstate());
    }
  }

  void release_advisory_lock() noexcept {
    try {
      pqxx::nontransaction tx(*m_conn);
      tx.exec("SELECT pg_advisory_unlock(" + std::to_string(k_advisory_lock_key) + ")");
      m_holds_advisory_lock = false;
    } catch (const std::exception& e) {
      // The session lock dies with the connection.
      spdlog::debug("could not release the advisory lock: {}", config::redact(e.what(), m_url));
    }
  }

  void exec(const std::string& sql) {
    pqxx::nontransaction tx(*m_conn);
    tx.exec(sql);
  }

  bool table_exists(const std::string& table) {
    pqxx::nontransaction tx(*m_conn);
    return !tx.exec_params1("SELECT to_regclass($1)::text", table)[0].is_null();
  }

  std::optional<LockInfo> lock_row(pqxx::transaction_base& tx) {
    const pqxx::result rows = tx.exec(
        "SELECT holder, to_char(acquired_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "to_char(heartbeat_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "extract(epoch FROM (now() AT TIME ZONE 'utc') - heartbeat_at)::float8 "
        "FROM migration_lock WHERE lock_id = 1");
    if (rows.empty()) return std::nullopt;
    return LockInfo{rows[0][0].as<std::string>(), rows[0][1].as<std::string>(),
                    rows[0][2].as<std::string>(), rows[0][3].as<double>()};
  }

  // duration_ms and applied_at are SQL expressions: duration_ms k_elapsed_ms, or "0" for
  // rows recorded by stamp; applied_at the column's default unless given.
  std::string insert_statement(const HistoryRow& row, std::string_view duration_ms,
                               std::string_view applied_at = "DEFAULT") {
    return "INSERT INTO schema_migrations (service, version, name, kind, checksum, duration_ms, "
           "applied_by, dirty, applied_at) VALUES (" +
           m_conn->quote(row.service) + ", " + std::to_string(row.version) + ", " +
           m_conn->quote(row.name) + ", " + m_conn->quote(row.kind) + ", " + m_conn->quote(row.checksum) +
           ", " + std::string(duration_ms) + ", " + m_conn->quote(row.applied_by) + ", " +
           (row.dirty ? "TRUE" : "FALSE") + ", " + std::string(applied_at) + ")";
  }

  std::string delete_statement(const std::string& service, Version version) {
    return "DELETE FROM schema_migrations WHERE service = " + m_conn->quote(service) +
           " AND version = " + std::to_string(version);
  }

  // "12,3,40," (or NULL: none) into durations.
  static std::vector<std::chrono::milliseconds> parse_durations(const pqxx::result& result) {
    std::vector<std::chrono::milliseconds> durations;
    if (result.empty() || result[0][0].is_null()) return durations;
    const std::string list = result[0][0].as<std::string>();
    std::size_t start = 0;
    for (std::size_t comma = list.find(','); comma != std::string::npos; comma = list.find(',', start)) {
      durations.emplace_back(std::stoll(list.substr(start, comma - start)));
      start = comma + 1;
    }
    return durations;
  }

  // libpq sends a query as a C string: a NUL would cut it short, silently dropping the
  // rest of the revision and its history row (and leaving the transaction open).
  static void reject_nul(std::string_view sql) {
    if (sql.find('\0') != std::string_view::npos) throw RevisionFailed(k_nul_refused);
  }

  // The history row a revision's transaction must leave behind (apply) or remove (revert).
  struct HistoryCheck {
    std::string service;
    Version version = 0;
    bool present = true;
  };

  // Sends "BEGIN;<body>COMMIT;" as one simple query. Values in body were quoted with
  // libpq's escaping (PQescapeStringConn), the equivalent of binding for a batch. With a
  // check, the same query reads the history row back after the COMMIT: a revision is
  // never reported done unless its row shows it (the batch's settle query does the same).
  // revision_lines: how many lines of body are the revision's own (errors past them are
  // migrate's, never blamed on a line of the user's file).
  void run_in_transaction(const std::string& body, const std::optional<HistoryCheck>& check = std::nullopt,
                          std::size_t revision_lines = std::string::npos) {
    try {
      pqxx::nontransaction tx(*m_conn);
      std::string query = "BEGIN;" + timeout_settings(m_timeouts, "LOCAL ") + body + "COMMIT;";
      if (check) {
        query += "SELECT 'migrate:history', count(*) FROM schema_migrations WHERE service = " +
                 m_conn->quote(check->service) + " AND version = " + std::to_string(check->version);
      }
      const pqxx::result result = tx.exec(query);
      if (check && !(result.size() == 1 && result.columns() == 2 && !result[0][0].is_null() &&
                     result[0][0].as<std::string>() == "migrate:history" &&
                     (result[0][1].as<long long>() == 1) == check->present)) {
        rollback_quietly();
        throw RevisionFailed(std::string("schema_migrations does not show it ") +
                             (check->present ? "applied" : "rolled back") +
                             " after it ran: the revision cut its transaction short or changed the history itself");
      }
    } catch (const pqxx::broken_connection& e) {
      throw DatabaseUnreachable("lost the connection to " + m_url.redacted +
                                " during a transaction (the server rolls it back): " +
                                lost_reason(e));
    } catch (const pqxx::sql_error& e) {
      rollback_quietly();
      throw_if_interrupted(e);
      throw RevisionFailed(config::redact(describe(e, 1, revision_lines), m_url), e.sqlstate());
    }
  }

  // After a revision's statements, in its transaction, before its history row: the
  // runner's own role and search_path again, so that the row lands in the runner's
  // schema_migrations with the runner's rights (a pg_dump file empties search_path, a
  // revision may SET ROLE), and nothing of it leaks into the revisions after it.
  std::string restore_session() const {
    return "RESET ROLE;SELECT pg_catalog.set_config('search_path', " + m_conn->quote(m_search_path) + ", false);";
  }

  static std::size_t line_count(std::string_view sql) {
    return 1 + static_cast<std::size_t>(std::count(sql.begin(), sql.end(), '\n'));
  }

  // Runs body in a libpqxx transaction (rolled back by its destructor on any exception),
  // then record(tx, milliseconds body took), then commits.
  template <typename Record>
  void step_transaction(const StepBody& body, Record&& record) {
    try {
      pqxx::work tx(*m_conn);
      if (const std::string settings = timeout_settings(m_timeouts, "LOCAL "); !settings.empty()) tx.exec(settings);
      PostgresSession session(tx);
      const auto started = std::chrono::steady_clock::now();
      body(session);
      record(tx, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                     .count());
      tx.commit();
    } catch (const pqxx::broken_connection& e) {
      throw DatabaseUnreachable("lost the connection to " + m_url.redacted +
                                " during a transaction (the server rolls it back): " + lost_reason(e));
    } catch (const pqxx::sql_error& e) {
      throw_if_interrupted(e);
      throw RevisionFailed(config::redact(describe(e), m_url), e.sqlstate());
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw RevisionFailed(config::redact(e.what(), m_url));
    }
  }

  // One statement of a no-transaction revision, alone in its simple query. Leading
  // newlines make the server's LINE numbers those of the file.
  void run_alone(const source::Statement& statement, int number) {
    try {
      pqxx::nontransaction tx(*m_conn);
      tx.exec(std::string(statement.line - 1, '\n') + std::string(statement.text));
    } catch (const pqxx::broken_connection& e) {
      throw DatabaseUnreachable("lost the connection to " + m_url.redacted + " during statement " +
                                std::to_string(number) + ": " + lost_reason(e));
    } catch (const pqxx::sql_error& e) {
      throw_if_interrupted(e);
      throw RevisionFailed(statement_failure(number, statement.first_token_line, config::redact(describe(e), m_url)),
                           e.sqlstate());
    }
  }

  // After a no-transaction revision: back to the role's or server's settings, whatever the
  // revision or its directives SET for the session.
  // After a no-transaction revision: the runner's own timeouts, role and search_path again.
  void reset_session() noexcept {
    try {
      exec("RESET lock_timeout; RESET statement_timeout;" + restore_session());
    } catch (const std::exception& e) {
      spdlog::debug("could not reset the session: {}", config::redact(e.what(), m_url));
    }
  }

  void rollback_quietly() noexcept {
    try {
      exec("ROLLBACK");
    } catch (const std::exception& e) {
      spdlog::debug("rollback after failure: {}", config::redact(e.what(), m_url));
    }
  }

  config::DatabaseUrl m_url;
  std::unique_ptr<pqxx::connection> m_conn;
  std::unique_ptr<NoticeLogger> m_notices;
  bool m_holds_advisory_lock = false;
  Timeouts m_timeouts;  ///< for the revisions that follow (set_timeouts)
  std::string m_search_path;  ///< the runner's own, restored after each revision
  std::string m_schema;  ///< "schema." of the bookkeeping tables, for the heartbeat inside a revision
  unsigned m_batches = 0;  ///< batches sent on this connection, to name each one's setting
  PGconn* m_raw = nullptr;  ///< libpqxx's libpq connection, for the server's reason when it is lost
  std::unique_ptr<PGcancel, void (*)(PGcancel*)> m_cancel{nullptr, PQfreeCancel};
  std::unique_ptr<util::CancelRegistration> m_cancel_registration;  ///< before m_cancel goes
};

}  // namespace

std::unique_ptr<Driver> open_postgres(const config::DatabaseUrl& url) {
  return std::make_unique<PostgresDriver>(url);
}

}  // namespace migrate::db
