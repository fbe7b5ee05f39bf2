// The transfer's bookkeeping in the target database, beside the migration history:
// migrate_transfer_progress (per transfer and source table: rows read, written and skipped,
// the state, constraints set aside during the load), committed in the same transaction as
// each chunk, and migrate_transfer_runs (one row per run: when, from where, rows, outcome).
// `transfer status` answers from these alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "migrate/db/data_connection.hpp"

namespace migrate::transfer {

/// One table's checkpoint.
struct TableProgress {
  std::string source_table;
  std::string target_table;
  std::int64_t rows_read = 0;     ///< source rows consumed (copied or skipped): where a resume starts
  std::int64_t rows_written = 0;  ///< rows inserted or updated in the target
  std::int64_t rows_skipped = 0;  ///< source rows left out (a key value missing)
  /// The source table's row count when the table's copy began: a resume refuses a source
  /// that has changed since (positions would no longer mean the same rows).
  std::int64_t source_rows = 0;
  std::string state;              ///< "copying", "done"
  std::string dropped_constraints;  ///< ALTER TABLE … ADD CONSTRAINT statements to run after the load
  double seconds = 0;             ///< time spent copying, over every run
  std::string updated_at;         ///< the last checkpoint (UTC)
};

/// One run of a transfer.
struct RunRecord {
  std::int64_t id = 0;
  std::string source;  ///< the source URL, redacted
  std::string started_at;
  std::string finished_at;
  std::string outcome;  ///< "running", "ok", "failed: …", "interrupted"
  std::int64_t rows = 0;
  /// Rows written per target table by a run that finished ("{}" when unknown), JSON text.
  std::string tables = "{}";
  /// The SHA-256 of the resolved mapping the run copied with (transfer::mapping_checksum).
  std::string mapping_sha256;
};

/// Creates both tables when missing (PostgreSQL).
void ensure_progress_tables(db::DataConnection& target);

/// The checkpoints of a transfer, by source table; empty when none (or no table yet).
std::vector<TableProgress> read_progress(db::DataConnection& target, const std::string& transfer);

/// The SQL that writes a table's checkpoint (insert or update), to run inside the chunk's
/// own transaction.
std::string checkpoint_sql(db::DataConnection& target, const std::string& transfer, const TableProgress& progress);

/// Forgets a transfer's checkpoints (`--restart`).
void forget_progress(db::DataConnection& target, const std::string& transfer);

/// Starts a run record; returns its id.
std::int64_t start_run(db::DataConnection& target, const std::string& transfer, const std::string& source,
                       const std::string& mapping_sha256 = "");
/// Finishes it; tables_json (rows written per target table) is kept when given.
void finish_run(db::DataConnection& target, std::int64_t id, const std::string& outcome, std::int64_t rows,
                const std::string& tables_json = "");
/// The runs of a transfer, newest first (at most `limit`).
std::vector<RunRecord> read_runs(db::DataConnection& target, const std::string& transfer, int limit);

}  // namespace migrate::transfer
