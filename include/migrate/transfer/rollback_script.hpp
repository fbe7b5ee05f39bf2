// The rollback script of a transfer run: SQL that removes exactly the rows the run
// inserted and gives the rows it updated their earlier values. Each chunk's undo
// statements are written into the target's migrate_transfer_undo table in the chunk's
// own transaction, so a committed chunk always has its undo and a rolled-back one never
// has; at the end of the run (or at the start of the next one, after a crash) they are
// written out newest chunk first as `<backup_dir>/transfer-<name>-<time>-run<id>-rollback.sql`,
// one transaction, and removed from the table once the file is on disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "migrate/db/data_connection.hpp"
#include "migrate/transfer/mapping.hpp"

namespace migrate::transfer {

/// The undo of one run. The methods return SQL that records an undo statement; the copier
/// sends it inside the chunk's transaction. Safe to share between the jobs of a run.
class RollbackJournal {
 public:
  RollbackJournal(std::int64_t run_id, std::filesystem::path script) : m_run(run_id), m_script(std::move(script)) {}

  /// Undo for rows a chunk inserted into table, given their key values (one JSON object
  /// per row, {"column": "text", …}).
  std::string inserted(db::DataConnection& target, const TableMapping& table, const std::string& keys_json) const;
  /// Undo for a whole table that was empty before the run and has no key.
  std::string emptied(db::DataConnection& target, const TableMapping& table) const;
  /// Undo for rows a chunk is about to update: their values now, as a JSON array of rows.
  std::string updated(db::DataConnection& target, const TableMapping& table, const std::string& rows_json) const;
  /// A line the operator must read (a table whose rows cannot be told apart).
  std::string note(db::DataConnection& target, const std::string& text) const;

  std::int64_t run() const { return m_run; }
  const std::filesystem::path& script() const { return m_script; }

 private:
  std::string record(db::DataConnection& target, const std::string& statement) const;

  std::int64_t m_run;
  std::filesystem::path m_script;
};

/// Writes the undo statements of run `run_id` to script (newest first, between BEGIN and
/// COMMIT, flushed to disk) and then deletes them from the table. Returns false when the
/// run recorded none (no file is written).
bool write_rollback_script(db::DataConnection& target, std::int64_t run_id, const std::filesystem::path& script);

/// The script path of a run: folder/transfer-<name>-<started, UTC, to the second>-run<id>-rollback.sql.
std::filesystem::path rollback_script_path(const std::filesystem::path& folder, const std::string& name,
                                           const std::string& started_at, std::int64_t run_id);

}  // namespace migrate::transfer
