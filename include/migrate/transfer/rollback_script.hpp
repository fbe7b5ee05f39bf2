// The rollback script of a transfer run: SQL that removes exactly the rows the run
// inserted and gives the rows it updated their earlier values. Each chunk's undo lines
// are appended to a journal and flushed to disk before the chunk commits, so no committed
// chunk is ever missing from it; at the end of the run (or at the start of the next one,
// after a crash) the journal is written out in reverse, newest chunk first, as
// `<backup_dir>/transfer-<name>-<time>-rollback.sql`, one transaction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "migrate/db/data_connection.hpp"
#include "migrate/transfer/mapping.hpp"

namespace migrate::transfer {

/// Safe to share between the jobs of one run.
class RollbackJournal {
 public:
  /// Starts the journal of a run beside script (script + ".journal"), first finishing any
  /// journal an earlier run of the same transfer left in the folder.
  explicit RollbackJournal(std::filesystem::path script);
  ~RollbackJournal();
  RollbackJournal(const RollbackJournal&) = delete;
  RollbackJournal& operator=(const RollbackJournal&) = delete;

  /// Undo for rows a chunk inserted into table, given their key values (one JSON object
  /// per row, {"column": "text", …}); one statement.
  void inserted(db::DataConnection& target, const TableMapping& table, const std::string& keys_json);
  /// Undo for a whole table that was empty before the run and has no key.
  void emptied(db::DataConnection& target, const TableMapping& table);
  /// Undo for rows a chunk is about to update: their values now, as a JSON array of rows.
  void updated(db::DataConnection& target, const TableMapping& table, const std::string& rows_json);
  /// A line the operator must read (a table whose rows cannot be told apart).
  void note(const std::string& text);

  /// Flushes what was appended to disk; call before the chunk's commit.
  void sync();

  /// Writes the script (reversed journal) and removes the journal. Returns the script.
  std::filesystem::path finish();

  const std::filesystem::path& script() const { return m_script; }

 private:
  void append(const std::string& line);

  std::filesystem::path m_script;
  std::filesystem::path m_journal;
  std::mutex m_mutex;  ///< jobs append and sync from their own threads
  int m_fd = -1;
  bool m_dirty = false;
};

/// Writes out every journal left in folder by an interrupted run of the transfer `name`.
/// Returns the scripts written.
std::vector<std::filesystem::path> finish_left_journals(const std::filesystem::path& folder, const std::string& name);

}  // namespace migrate::transfer
