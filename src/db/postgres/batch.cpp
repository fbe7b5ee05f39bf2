// PostgreSQL revisions in transactions: one revision, a batch of them in one round trip,
// and the statements of a no-transaction revision one at a time.
#include "db/postgres/postgres_driver.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "db/driver_messages.hpp"
#include "migrate/util/text.hpp"

namespace migrate::db {

namespace {

// Why SQL holding a NUL byte is refused before it is sent.
constexpr const char* k_nul_refused = "the SQL holds a NUL byte, where libpq would cut it short; nothing of it was run";

// Milliseconds since the transaction began (now() is the start of the transaction), i.e.
// the revision's own run time measured by the server, written in the same batch.
constexpr std::string_view k_elapsed_ms = "(extract(epoch FROM clock_timestamp() - now()) * 1000)::integer";

// When a revision of a batch began: epoch seconds kept in the setting migrate.started,
// or, if the revision reset it (RESET ALL), the receipt of the whole batch.
const std::string k_batch_started =
    "coalesce(nullif(current_setting('migrate.started', true), '')::float8, extract(epoch FROM now())::float8)";

// Milliseconds since the revision began, as the server's clock sees it, and its start as
// the history's UTC timestamp.
const std::string k_batch_elapsed_ms =
    "((extract(epoch FROM clock_timestamp())::float8 - " + k_batch_started + ") * 1000)::integer";
const std::string k_batch_applied_at = "to_timestamp(" + k_batch_started + ") AT TIME ZONE 'utc'";

}  // namespace

void PostgresDriver::apply(const std::string& sql, const HistoryRow& row) {
  // One round trip: the revision and its history row travel in one simple query inside
  // an explicit transaction. "BEGIN;" shares the revision's first line so that line
  // numbers in server errors match the file.
  reject_nul(sql);
  run_in_transaction(sql + "\n;\n" + restore_session() + insert_statement(row, k_elapsed_ms) + ";\n",
                     HistoryCheck{row.service, row.version, true}, line_count(sql));
}

void PostgresDriver::revert(const std::string& sql, const std::string& service, Version version) {
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
BatchOutcome PostgresDriver::run_batch(BatchKind kind, const std::vector<BatchStep>& steps) {
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
    std::string segment =
        "BEGIN;SELECT set_config('migrate.started', extract(epoch FROM clock_timestamp())::text, "
        "true);" +
        timeout_settings(step.timeouts, "LOCAL ");
    segment += step.sql;
    segment += "\n;\n" + restore_session();
    segment += kind == BatchKind::apply ? insert_statement(step.row, k_batch_elapsed_ms, k_batch_applied_at)
                                        : delete_statement(step.row.service, step.row.version);
    segment += ";\nSELECT set_config('" + durations + "', coalesce(current_setting('" + durations +
               "', true), '') || " + std::string(k_batch_elapsed_ms) + " || ',', false);COMMIT;\n";
    lines += static_cast<std::size_t>(std::count(segment.begin(), segment.end(), '\n'));
    query += segment;
  }
  std::string versions;
  for (const BatchStep& step : steps) versions += (versions.empty() ? "" : ",") + std::to_string(step.row.version);
  const std::string settle = "SELECT current_setting('" + durations +
                             "', true), (SELECT string_agg(version::text, ',') "
                             "FROM " + history_table() + " WHERE service = " +
                             m_conn->quote(steps.front().row.service) + " AND version IN (" + versions +
                             ")), set_config('" + durations + "', '', false)";
  query += settle;

  BatchOutcome outcome;
  try {
    pqxx::nontransaction tx(*m_conn);
    settle_outcome(kind, steps, tx.exec(query), outcome);
    if (outcome.failed_at != steps.size()) {
      // A revision that rewrote schema_migrations itself: report what the rows show, run
      // nothing again, and stop.
      outcome.lost =
          std::make_exception_ptr(Error(ExitCode::failed,
                                        "after a batch of revisions ran without error, the history table does not show "
                                        "revision " +
                                            format_version(steps[outcome.failed_at].row.version) +
                                            (kind == BatchKind::apply ? " as applied" : " as rolled back") +
                                            "; see `migrate status " + steps.front().row.service + "`"));
    }
    return outcome;
  } catch (const pqxx::broken_connection& e) {
    const std::string lost =
        "lost the connection to " + m_url.redacted + " during a batch of revisions: " + lost_reason(e);
    // The server may have committed some of them: learn which over a new connection,
    // so that they are reported and audited before the error.
    try {
      pqxx::connection again(m_url.conninfo);
      pqxx::nontransaction tx(again);
      settle_outcome(kind, steps, tx.exec(settle), outcome);
    } catch (const std::exception&) {
      throw DatabaseUnreachable(lost +
                                " (revisions before the one running may have committed; `migrate status` "
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
void PostgresDriver::settle_outcome(BatchKind kind, const std::vector<BatchStep>& steps, const pqxx::result& result,
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

void PostgresDriver::execute_each(std::string_view sql, const std::function<void()>& after_each) {
  reject_nul(sql);
  const std::vector<source::Statement> statements = source::split_statements(sql);
  const std::string settings = timeout_settings(m_timeouts, "");
  if (m_pooled) {
    // Each statement may run in another server session: a session setting would land in
    // whichever one the pooler picked, and stay there for its next client.
    if (!settings.empty()) {
      spdlog::warn("lock_timeout and statement_timeout do not apply to a no-transaction revision behind a "
                   "transaction pooler");
    }
    int number = 0;
    for (const source::Statement& statement : statements) {
      if (statement.blank) continue;
      run_alone(statement, ++number);
      after_each();
    }
    return;
  }
  if (!settings.empty()) {
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

// "12,3,40," (or NULL: none) into durations.
std::vector<std::chrono::milliseconds> PostgresDriver::parse_durations(const pqxx::result& result) {
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
void PostgresDriver::reject_nul(std::string_view sql) {
  if (sql.find('\0') != std::string_view::npos) throw RevisionFailed(k_nul_refused);
}

// Sends "BEGIN;<body>COMMIT;" as one simple query. Values in body were quoted with
// libpq's escaping (PQescapeStringConn), the equivalent of binding for a batch. With a
// check, the same query reads the history row back after the COMMIT: a revision is
// never reported done unless its row shows it (the batch's settle query does the same).
// revision_lines: how many lines of body are the revision's own (errors past them are
// migrate's, never blamed on a line of the user's file).
void PostgresDriver::run_in_transaction(const std::string& body, const std::optional<HistoryCheck>& check,
                                        std::size_t revision_lines) {
  try {
    pqxx::nontransaction tx(*m_conn);
    std::string query = "BEGIN;" + timeout_settings(m_timeouts, "LOCAL ") + body + "COMMIT;";
    if (check) {
      query +=
          "SELECT 'migrate:history', count(*) FROM " + history_table() +
          " WHERE service = " + m_conn->quote(check->service) +
          " AND version = " + std::to_string(check->version);
    }
    const pqxx::result result = tx.exec(query);
    if (check && !(result.size() == 1 && result.columns() == 2 && !result[0][0].is_null() &&
                   result[0][0].as<std::string>() == "migrate:history" &&
                   (result[0][1].as<long long>() == 1) == check->present)) {
      rollback_quietly();
      throw RevisionFailed(std::string("the history table does not show it ") +
                           (check->present ? "applied" : "rolled back") +
                           " after it ran: the revision cut its transaction short or changed the history itself");
    }
  } catch (const pqxx::broken_connection& e) {
    throw DatabaseUnreachable("lost the connection to " + m_url.redacted +
                              " during a transaction (the server rolls it back): " + lost_reason(e));
  } catch (const pqxx::sql_error& e) {
    rollback_quietly();
    throw_if_interrupted(e);
    throw RevisionFailed(config::redact(describe(e, 1, revision_lines), m_url), e.sqlstate());
  }
}

std::size_t PostgresDriver::line_count(std::string_view sql) {
  return 1 + static_cast<std::size_t>(std::count(sql.begin(), sql.end(), '\n'));
}

// One statement of a no-transaction revision, alone in its simple query. Leading
// newlines make the server's LINE numbers those of the file.
void PostgresDriver::run_alone(const source::Statement& statement, int number) {
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

// After a no-transaction revision: the runner's own timeouts, role and search_path again.
void PostgresDriver::reset_session() noexcept {
  try {
    exec("RESET lock_timeout; RESET statement_timeout;" + restore_session());
  } catch (const std::exception& e) {
    spdlog::debug("could not reset the session: {}", config::redact(e.what(), m_url));
  }
}

}  // namespace migrate::db
