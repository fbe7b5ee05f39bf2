// PostgreSQL connection: connecting, the session's settings, the cancel handle for
// SIGINT/SIGTERM, and the translation of libpqxx errors and lost connections into migrate
// errors. Every pqxx exception is translated in this folder (STYLE rule 2).
#include "db/postgres/connection.hpp"

#include <libpq-fe.h>

#include <algorithm>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "db/postgres/pooler.hpp"
#include "db/postgres/postgres_driver.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/text.hpp"

namespace migrate::db {

namespace {

// Whether a server error is a syntax error at a backslash: outside a string, only a psql
// meta-command (\restrict, \connect …) puts one there, and only psql understands it.
bool at_meta_command(const std::string& text) {
  return text.find("syntax error at or near \"\\\"") != std::string::npos;
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

}  // namespace

std::string timeout_settings(const Timeouts& timeouts, std::string_view scope) {
  std::string sql;
  auto add = [&](std::string_view name, const std::optional<std::chrono::milliseconds>& limit) {
    if (limit)
      sql += "SET " + std::string(scope) + std::string(name) + " = '" + std::to_string(limit->count()) + "ms';";
  };
  add("lock_timeout", timeouts.lock_timeout);
  add("statement_timeout", timeouts.statement_timeout);
  return sql;
}

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

std::size_t error_line(const std::string& text) {
  const std::size_t at = text.find("\nLINE ");
  if (at == std::string::npos) return 0;
  std::size_t line = 0;
  for (std::size_t i = at + 6; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    line = line * 10 + static_cast<std::size_t>(text[i] - '0');
  }
  return line;
}

std::string describe(const pqxx::sql_error& e, std::size_t first_line, std::size_t last_line) {
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
      first +=
          ": a psql meta-command (\\restrict, \\connect, \\i …) is not SQL; remove it from the file "
          "(pg_dump 15.14+ writes \\restrict and \\unrestrict lines)";
    }
  }
  return first;
}

std::string history_columns_query(const std::string& regclass_text) {
  return "(SELECT pg_catalog.string_agg(a.attname::text, ',' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a "
         "WHERE a.attrelid = pg_catalog.to_regclass(" + regclass_text + ") AND a.attnum > 0 AND NOT a.attisdropped)";
}

void throw_if_interrupted(const pqxx::sql_error& e) {
  if (e.sqlstate() == "57014") util::throw_if_interrupted();
}

PostgresDriver::PostgresDriver(const config::DatabaseUrl& url) : m_url(url) {
  try {
    m_conn = std::make_unique<pqxx::connection>(url.conninfo);
    m_history_name = m_conn->quote_name(url.history_table);
    m_notices = std::make_unique<NoticeLogger>(*m_conn);
    configure_session();
  } catch (const pqxx::broken_connection& e) {
    throw DatabaseUnreachable(unreachable_message(e.what()));
  } catch (const std::exception& e) {
    throw DatabaseUnreachable(unreachable_message(e.what()));
  }
}

PostgresDriver::~PostgresDriver() {
  m_notices.reset();  // must go before the connection it is registered with
}

// One transaction: the cancel handle for the interrupt handler; the runner's search_path
// and the schema its bookkeeping tables live in (or will be created in: the first schema
// of that path); the columns of the history table there, if any, so that another tool's
// table of that name is refused without a round trip of its own (history_shape.hpp), and
// of schema_migrations when history_table names another, so that a history left under the
// old name is not taken for none; whether a transaction pooler stands between runner and
// server; then, only on a direct connection, the session's settings: application_name
// names migrate in pg_stat_activity unless the URL, PGAPPNAME or the role set one, and
// client_connection_check_interval where the server has it.
void PostgresDriver::configure_session() {
  const bool renamed = m_url.history_table != config::k_default_history_table;
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
      const pqxx::row own = tx.exec1(
          "SELECT pg_catalog.current_setting('search_path'), s.nsp, pg_catalog.pg_backend_pid(), " +
          history_columns_query("pg_catalog.quote_ident(s.nsp) || '.' || " + tx.quote(m_history_name)) + ", " +
          (renamed ? history_columns_query("pg_catalog.quote_ident(s.nsp) || '.schema_migrations'") : "NULL") +
          " FROM (SELECT coalesce((SELECT n.nspname FROM pg_catalog.pg_class c "
          "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = "
          "pg_catalog.to_regclass('migration_lock')), pg_catalog.current_schema()) AS nsp) s");
      m_search_path = own[0].as<std::string>();
      if (!own[1].is_null()) m_schema = m_conn->quote_name(own[1].as<std::string>()) + ".";
      note_history_columns(own[3]);
      if (renamed) m_default_shape = classify_history_table(split_columns(own[4].is_null() ? "" : own[4].c_str()));
      m_pooled = detect_pooler(m_url, PQbackendPID(raw), own[2].as<int>());
      if (m_pooled) {
        tx.commit();
        return;
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
std::string PostgresDriver::lost_reason(const pqxx::broken_connection& e) {
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

std::string PostgresDriver::unreachable_message(const std::string& detail) const {
  return "cannot connect to " + m_url.redacted + ": " +
         config::redact(std::string(util::trim(detail.substr(0, detail.find('\n')))), m_url);
}

void PostgresDriver::exec(const std::string& sql) {
  pqxx::nontransaction tx(*m_conn);
  tx.exec(sql);
}

void PostgresDriver::require_own_history() const {
  require_own_history_table(m_history_shape, m_url.history_table, m_url.redacted, m_history_columns);
  require_history_not_left_behind(m_history_shape, m_default_shape, m_url.history_table, m_url.redacted);
}

void PostgresDriver::note_history_columns(const pqxx::field& columns) {
  m_history_columns = split_columns(columns.is_null() ? "" : columns.as<std::string>());
  m_history_shape = classify_history_table(m_history_columns);
}

bool PostgresDriver::table_exists(const std::string& table) {
  pqxx::nontransaction tx(*m_conn);
  return !tx.exec_params1("SELECT pg_catalog.to_regclass($1)::text", table)[0].is_null();
}

// After a revision's statements, in its transaction, before its history row: the
// runner's own role and search_path again, so that the row lands in the runner's
// schema_migrations with the runner's rights (a pg_dump file empties search_path, a
// revision may SET ROLE), and nothing of it leaks into the revisions after it.
std::string PostgresDriver::restore_session() const {
  return "RESET ROLE;SELECT pg_catalog.set_config('search_path', " + m_conn->quote(m_search_path) + ", false);";
}

void PostgresDriver::rollback_quietly() noexcept {
  try {
    exec("ROLLBACK");
  } catch (const std::exception& e) {
    spdlog::debug("rollback after failure: {}", config::redact(e.what(), m_url));
  }
}

std::unique_ptr<Driver> open_postgres(const config::DatabaseUrl& url) { return std::make_unique<PostgresDriver>(url); }

}  // namespace migrate::db
