// Copies the rows of a resolved mapping from a source into a PostgreSQL target with COPY,
// a chunk per transaction, each chunk's checkpoint committed in the same transaction, so
// that a run killed at any moment resumes exactly where it stopped: no duplicate, no gap.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "migrate/db/data_connection.hpp"
#include "migrate/transfer/mapping.hpp"
#include "migrate/transfer/progress.hpp"
#include "migrate/transfer/rollback_script.hpp"

namespace migrate::transfer {

struct CopyOptions {
  int batch = 1000;                 ///< source rows per chunk
  bool dry_run = false;             ///< everything in one transaction, rolled back at the end
  bool restart = false;             ///< forget the checkpoints first
  std::vector<std::string> tables;  ///< only these source tables (empty: all)
  /// Tables copied at once, each job on connections of its own from open_source and
  /// open_target (a dry run is one transaction: always one job).
  int jobs = 1;
  std::function<std::unique_ptr<db::DataConnection>()> open_source;
  std::function<std::unique_ptr<db::DataConnection>()> open_target;
  /// Records each chunk's undo in the chunk's transaction; nullptr: no rollback script.
  const RollbackJournal* journal = nullptr;
};

/// What the copier tells as it goes (progress lines, the lock's heartbeat).
class CopyObserver {
 public:
  virtual ~CopyObserver() = default;
  /// After each committed chunk (and once when a table starts), with its checkpoint and the
  /// source's row count (-1 when unknown).
  virtual void on_chunk(const TableProgress& progress, std::int64_t total) = 0;
  /// A row left out or a table passed over, with the reason.
  virtual void on_warning(const std::string& table, const std::string& message) = 0;
};

/// One table's outcome.
struct TableOutcome {
  TableProgress progress;
  std::int64_t total = -1;     ///< source rows
  bool resumed = false;        ///< it started from an earlier run's checkpoint
  bool already_done = false;   ///< an earlier run finished it
  double seconds = 0;          ///< this run's copying time
};

/// Copies every table of mapping (or options.tables) in order. Throws the first error (the
/// open chunk rolled back, the committed ones kept); Interrupted on a signal.
std::vector<TableOutcome> copy_tables(db::DataConnection& source, db::DataConnection& target,
                                      const std::string& transfer, const Mapping& mapping,
                                      const CopyOptions& options, CopyObserver& observer);

}  // namespace migrate::transfer
