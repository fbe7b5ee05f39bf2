// The transfer bookkeeping tables in the target; see progress.hpp.
#include "migrate/transfer/progress.hpp"

#include <cstdlib>

namespace migrate::transfer {

namespace {

std::int64_t integer(const db::Cell& cell) { return cell.kind == db::CellKind::null ? 0 : std::stoll(cell.text); }

bool tables_exist(db::DataConnection& target) {
  return target.query("SELECT pg_catalog.to_regclass('migrate_transfer_progress') IS NOT NULL")[0][0].text == "t";
}

}  // namespace

void ensure_progress_tables(db::DataConnection& target) {
  if (tables_exist(target)) {
    // Tables made by a version that kept no per-table rows or mapping checksum per run.
    if (target.query("SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = 'migrate_transfer_runs'::regclass "
                     "AND attname = 'mapping_sha256'").empty()) {
      target.execute("ALTER TABLE migrate_transfer_runs ADD COLUMN IF NOT EXISTS tables text, "
                     "ADD COLUMN IF NOT EXISTS mapping_sha256 text");
    }
    return;
  }
  target.execute(
      "CREATE TABLE IF NOT EXISTS migrate_transfer_progress ("
      " transfer text NOT NULL, source_table text NOT NULL, target_table text NOT NULL,"
      " rows_read bigint NOT NULL DEFAULT 0, rows_written bigint NOT NULL DEFAULT 0,"
      " rows_skipped bigint NOT NULL DEFAULT 0, source_rows bigint NOT NULL DEFAULT 0, state text NOT NULL,"
      " dropped_constraints text NOT NULL DEFAULT '', seconds double precision NOT NULL DEFAULT 0,"
      " started_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),"
      " PRIMARY KEY (transfer, source_table));"
      "CREATE TABLE IF NOT EXISTS migrate_transfer_runs ("
      " id bigserial PRIMARY KEY, transfer text NOT NULL, source text NOT NULL,"
      " started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz,"
      " outcome text NOT NULL DEFAULT 'running', rows bigint NOT NULL DEFAULT 0, tables text, mapping_sha256 text);"
      "CREATE TABLE IF NOT EXISTS migrate_transfer_undo ("
      " run_id bigint NOT NULL, seq bigserial, statement text NOT NULL, PRIMARY KEY (run_id, seq))");
}

std::vector<TableProgress> read_progress(db::DataConnection& target, const std::string& transfer) {
  std::vector<TableProgress> out;
  if (!tables_exist(target)) return out;
  for (const db::Row& row : target.query(
           "SELECT source_table, target_table, rows_read, rows_written, rows_skipped, source_rows, state, dropped_constraints, "
           "seconds, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
           "FROM migrate_transfer_progress WHERE transfer = " + target.quote(transfer) + " ORDER BY started_at, source_table")) {
    out.push_back({row[0].text, row[1].text, integer(row[2]), integer(row[3]), integer(row[4]), integer(row[5]),
                   row[6].text, row[7].text, std::strtod(row[8].text.c_str(), nullptr), row[9].text});
  }
  return out;
}

std::string checkpoint_sql(db::DataConnection& target, const std::string& transfer, const TableProgress& progress) {
  return "INSERT INTO migrate_transfer_progress (transfer, source_table, target_table, rows_read, rows_written, "
         "rows_skipped, source_rows, state, dropped_constraints, seconds) VALUES (" +
         target.quote(transfer) + ", " + target.quote(progress.source_table) + ", " + target.quote(progress.target_table) +
         ", " + std::to_string(progress.rows_read) + ", " + std::to_string(progress.rows_written) + ", " +
         std::to_string(progress.rows_skipped) + ", " + std::to_string(progress.source_rows) + ", " +
         target.quote(progress.state) + ", " +
         target.quote(progress.dropped_constraints) + ", " + std::to_string(progress.seconds) +
         ") ON CONFLICT (transfer, source_table) DO UPDATE SET target_table = EXCLUDED.target_table, "
         "rows_read = EXCLUDED.rows_read, rows_written = EXCLUDED.rows_written, rows_skipped = EXCLUDED.rows_skipped, "
         "source_rows = EXCLUDED.source_rows, "
         "state = EXCLUDED.state, dropped_constraints = EXCLUDED.dropped_constraints, seconds = EXCLUDED.seconds, "
         "updated_at = now()";
}

void forget_progress(db::DataConnection& target, const std::string& transfer) {
  if (!tables_exist(target)) return;
  target.execute("DELETE FROM migrate_transfer_progress WHERE transfer = " + target.quote(transfer));
}

std::int64_t start_run(db::DataConnection& target, const std::string& transfer, const std::string& source,
                       const std::string& mapping_sha256) {
  return integer(target.query("INSERT INTO migrate_transfer_runs (transfer, source, mapping_sha256) VALUES (" +
                              target.quote(transfer) + ", " + target.quote(source) + ", " +
                              (mapping_sha256.empty() ? std::string("NULL") : target.quote(mapping_sha256)) +
                              ") RETURNING id")[0][0]);
}

void finish_run(db::DataConnection& target, std::int64_t id, const std::string& outcome, std::int64_t rows,
                const std::string& tables_json) {
  target.execute("UPDATE migrate_transfer_runs SET finished_at = now(), outcome = " + target.quote(outcome) +
                 ", rows = " + std::to_string(rows) +
                 (tables_json.empty() ? std::string() : ", tables = " + target.quote(tables_json)) +
                 " WHERE id = " + std::to_string(id));
}

std::vector<RunRecord> read_runs(db::DataConnection& target, const std::string& transfer, int limit) {
  std::vector<RunRecord> out;
  if (!tables_exist(target)) return out;
  const std::string format = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
  for (const db::Row& row : target.query(
           "SELECT id, source, to_char(started_at AT TIME ZONE 'UTC', " + format + "), "
           "coalesce(to_char(finished_at AT TIME ZONE 'UTC', " + format + "), ''), outcome, rows, "
           // through to_jsonb: a table made before these columns existed reads as NULL
           "coalesce(to_jsonb(r) ->> 'tables', '{}'), coalesce(to_jsonb(r) ->> 'mapping_sha256', '') "
           "FROM migrate_transfer_runs r WHERE transfer = " + target.quote(transfer) + " ORDER BY id DESC LIMIT " +
           std::to_string(limit))) {
    out.push_back({integer(row[0]), row[1].text, row[2].text, row[3].text, row[4].text, integer(row[5]), row[6].text,
                   row[7].text});
  }
  return out;
}

}  // namespace migrate::transfer
