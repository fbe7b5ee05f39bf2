// The chunked, checkpointed COPY of a transfer; see copier.hpp.
#include "migrate/transfer/copier.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "migrate/transfer/convert.hpp"
#include "transfer/derived.hpp"
#include "transfer/load_sql.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"

namespace migrate::transfer {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int k_reported_skips = 10;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool key_missing(const db::Row& row, const TableMapping& table) {
  for (int index : table.key_columns) {
    const ColumnMapping& column = table.columns[static_cast<std::size_t>(index)];
    if (column.source >= 0 && row[static_cast<std::size_t>(column.source)].kind == db::CellKind::null) return true;
  }
  return false;
}

std::string describe_row(const db::Row& row, const TableMapping& table) {
  std::string out;
  for (std::size_t i = 0; i < table.source_columns.size() && i < 4; ++i) {
    out += (out.empty() ? "" : ", ") + table.source_columns[i] + "=" +
           (row[i].kind == db::CellKind::null ? "NULL" : row[i].text.substr(0, 40));
  }
  return out;
}

TableOutcome copy_table(db::DataConnection& source, db::DataConnection& target, const std::string& transfer,
                        const TableMapping& table, TableProgress progress, const CopyOptions& options,
                        CopyObserver& observer) {
  TableOutcome outcome;
  outcome.total = std::stoll(source.query("SELECT count(*) FROM " + source.quote_name(table.source))[0][0].text);
  if (progress.state == "done") {
    outcome.progress = progress;
    outcome.already_done = true;
    observer.on_chunk(progress, outcome.total);
    return outcome;
  }
  outcome.resumed = progress.rows_read > 0;
  // A resume continues by position in the source's order: only right if the source is
  // the one the stopped run read. Rows added or removed since would be skipped or copied
  // twice; refuse instead.
  if (outcome.resumed && progress.source_rows != outcome.total) {
    throw BlockedError("source table " + table.source + " has changed since the run that stopped (" +
                       std::to_string(progress.source_rows) + " rows then, " + std::to_string(outcome.total) +
                       " now): resuming after row " + std::to_string(progress.rows_read) +
                       " would skip or repeat rows; copy it again with --restart (with on_conflict = \"update\" or "
                       "an emptied " + table.target + ")");
  }
  progress.source_rows = outcome.total;
  const auto started = Clock::now();
  const double earlier_seconds = progress.seconds;
  progress.source_table = table.source;
  progress.target_table = table.target;
  progress.state = "copying";
  bool staging_ready = false;
  if (progress.rows_read == 0) {
    if (!options.dry_run) target.begin();
    std::string undo = journal_keyless(target, table, options.journal);
    progress.dropped_constraints = set_aside_foreign_keys(target, table);
    target.execute(undo + checkpoint_sql(target, transfer, progress));
    if (!options.dry_run) target.commit();
  }
  observer.on_chunk(progress, outcome.total);

  auto cursor = source.scan({table.source, table.source_columns, table.order_by, {}, progress.rows_read});
  const std::string columns = column_list(target, table);
  db::Row row;
  std::string data;
  int reported = 0;
  std::string keys;
  for (const std::string& key : table.target_key) keys += (keys.empty() ? "" : ", ") + key;
  // The keys of the rows a plain chunk inserts, for the rollback journal.
  const bool collect_keys = records_inserted_keys(table, options.journal);
  nlohmann::json chunk_keys = nlohmann::json::array();
  // Rows stream into the server's COPY as they are read and converted: a chunk is one
  // transaction with its checkpoint, sent in pieces of k_send_bytes.
  while (true) {
    // A signal outside a chunk's transaction (reading ahead, the lock's heartbeat) finds
    // every chunk so far committed.
    const auto between_chunks = [&](const Interrupted& e) {
      return Interrupted(e.signal(), std::string(e.what()) + " between chunks of " + table.source +
                                         ": no chunk was open, nothing rolled back; the " +
                                         std::to_string(progress.rows_read) +
                                         " rows read so far stay copied and a rerun resumes after them");
    };
    bool any = false;
    try {
      util::throw_if_interrupted();
      any = cursor->next(row);
    } catch (const Interrupted& e) {
      throw between_chunks(e);
    }
    if (!any) break;
    bool more = true;
    std::int64_t read = 0;
    std::int64_t rows = 0;
    std::int64_t skipped = 0;
    try {
      // BEGIN travels with the COPY, and the checkpoint with the COMMIT: three round trips a chunk.
      if (!staging_ready && table.on_conflict != config::OnConflict::error) {
        copy_destination(target, table, staging_ready);
      }
      auto stream = target.copy_from(copy_destination(target, table, staging_ready), columns,
                                     options.dry_run ? "" : "BEGIN");
      do {
        ++read;
        if (key_missing(row, table)) {
          ++skipped;
          if (reported++ < k_reported_skips) {
            observer.on_warning(table.source, "row " + std::to_string(progress.rows_read + read) + " (" +
                                                  describe_row(row, table) + ") has no value for the target's key " +
                                                  table.target + "(" + keys + "): skipped");
          }
        } else {
          append_row(data, row, table);
          ++rows;
          if (collect_keys) append_key(chunk_keys, row, table);
          if (data.size() >= k_send_bytes) {
            stream->write(data);
            data.clear();
          }
        }
      } while (read < options.batch && (more = cursor->next(row)));
      stream->write(data);
      data.clear();
      stream->finish();
      // The chunk's undo is recorded in its own transaction: committed with it, or not at all.
      std::string undo;
      if (options.journal != nullptr) {
        if (collect_keys && !chunk_keys.empty()) undo += options.journal->inserted(target, table, chunk_keys.dump());
        if (table.on_conflict != config::OnConflict::error) undo += journal_upsert(target, table, *options.journal);
      }
      chunk_keys = nlohmann::json::array();
      const std::int64_t written = table.on_conflict == config::OnConflict::error ? rows : merge_stage(target, table);
      // The checkpoint after this chunk; `progress` takes it only once it has committed,
      // so that a failure below names this chunk's rows, not the next ones.
      TableProgress next = progress;
      next.rows_read += read;
      next.rows_written += written;
      next.rows_skipped += skipped;
      next.seconds = earlier_seconds + seconds_since(started);
      target.execute(undo + checkpoint_sql(target, transfer, next) + (options.dry_run ? "" : ";COMMIT"));
      progress = next;
    } catch (const Interrupted& e) {
      target.rollback();
      throw Interrupted(e.signal(), std::string(e.what()) + " while copying " + table.source + " into " + table.target +
                                        ": source rows " + std::to_string(progress.rows_read + 1) + "-" +
                                        std::to_string(progress.rows_read + read) + " rolled back; the " +
                                        std::to_string(progress.rows_read) +
                                        " before them stay copied and a rerun resumes after them");
    } catch (const RevisionFailed& e) {
      target.rollback();
      std::string message = "copying " + table.source + " into " + table.target + ", source rows " +
                            std::to_string(progress.rows_read + 1) + "-" + std::to_string(progress.rows_read + read) +
                            " (rolled back; the rows before them stay copied): " + e.what();
      if (e.sqlstate() == "23505") {
        message += " (the target already holds that key: set on_conflict = \"update\" or \"skip\" for " +
                   table.source + ", or empty " + table.target + ")";
      }
      throw RevisionFailed(message, e.sqlstate());
    }
    try {
      observer.on_chunk(progress, outcome.total);
    } catch (const Interrupted& e) {
      throw between_chunks(e);
    }
    if (!more) break;
  }
  if (progress.rows_skipped > k_reported_skips && reported > k_reported_skips) {
    observer.on_warning(table.source, std::to_string(progress.rows_skipped) + " rows without a key value skipped in all");
  }
  if (!options.dry_run) {
    target.begin();
    // Flushes the WAL of this and every earlier chunk: a table is reported done only
    // when all of it is on disk.
    target.execute("SET LOCAL synchronous_commit TO on");
  }
  advance_sequences(target, table);
  progress.state = "done";
  progress.seconds = earlier_seconds + seconds_since(started);
  target.execute(checkpoint_sql(target, transfer, progress));
  if (!options.dry_run) target.commit();
  outcome.progress = progress;
  outcome.seconds = seconds_since(started);
  observer.on_chunk(progress, outcome.total);
  return outcome;
}


// Adds back the foreign keys set aside by finished tables of the transfer, in one
// transaction with their checkpoints.
void restore_foreign_keys(db::DataConnection& target, const std::string& transfer, bool dry_run) {
  std::vector<TableProgress> pending;
  for (const TableProgress& each : read_progress(target, transfer)) {
    if (each.state == "done" && !each.dropped_constraints.empty()) pending.push_back(each);
  }
  if (pending.empty()) return;
  if (!dry_run) target.begin();
  try {
    for (TableProgress& each : pending) {
      target.execute(each.dropped_constraints);
      each.dropped_constraints.clear();
      target.execute(checkpoint_sql(target, transfer, each));
    }
  } catch (const RevisionFailed& e) {
    if (!dry_run) target.rollback();
    throw RevisionFailed(std::string("adding back the foreign keys set aside for the copy: ") + e.what() +
                             " (they stay recorded and are added by the next run)",
                         e.sqlstate());
  }
  if (!dry_run) target.commit();
}

// Serialises the observer for several jobs.
class SharedObserver final : public CopyObserver {
 public:
  explicit SharedObserver(CopyObserver& inner) : m_inner(inner) {}
  void on_chunk(const TableProgress& progress, std::int64_t total) override {
    std::lock_guard<std::mutex> guard(m_mutex);
    m_inner.on_chunk(progress, total);
  }
  void on_warning(const std::string& table, const std::string& message) override {
    std::lock_guard<std::mutex> guard(m_mutex);
    m_inner.on_warning(table, message);
  }

 private:
  CopyObserver& m_inner;
  std::mutex m_mutex;
};

// Tables copied by `jobs` workers, each on connections of its own; a table starts once the
// tables it references in this run are done, unless its target is empty (its foreign
// keys are then set aside). The first error stops the others at their next chunk.
std::vector<TableOutcome> copy_parallel(const std::vector<std::pair<const TableMapping*, TableProgress>>& work,
                                        const std::string& transfer, const Mapping& mapping,
                                        const CopyOptions& options, CopyObserver& observer) {
  SharedObserver shared(observer);
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<int> state(work.size(), 0);  // 0 waiting, 1 running, 2 done
  std::vector<TableOutcome> outcomes(work.size());
  std::exception_ptr failure;
  // Which work items each item waits for: the tables its target references (FK order).
  std::vector<std::vector<std::size_t>> waits_for(work.size());
  for (std::size_t i = 0; i < work.size(); ++i) {
    for (std::size_t j = 0; j < work.size(); ++j) {
      if (i == j) continue;
      for (const auto& [from, to] : mapping.references) {
        if (from == work[i].first->target && to == work[j].first->target) waits_for[i].push_back(j);
      }
    }
  }
  auto worker = [&] {
    std::unique_ptr<db::DataConnection> source;
    std::unique_ptr<db::DataConnection> target;
    try {
      source = options.open_source();
      target = options.open_target();
      target->execute("SET synchronous_commit TO off");
    } catch (...) {
      std::lock_guard<std::mutex> guard(mutex);
      if (!failure) failure = std::current_exception();
      changed.notify_all();
      return;
    }
    while (true) {
      std::size_t next = work.size();
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] {
          if (failure) return true;
          bool left = false;
          for (std::size_t i = 0; i < work.size(); ++i) {
            if (state[i] != 0) continue;
            left = true;
            // Empty targets have their foreign keys set aside: no need to wait.
            bool ready = work[i].second.rows_read == 0 && work[i].first->empty_target;
            if (!ready) {
              ready = std::all_of(waits_for[i].begin(), waits_for[i].end(), [&](std::size_t j) { return state[j] == 2; });
            }
            if (ready) {
              next = i;
              return true;
            }
          }
          return !left;
        });
        if (failure || next == work.size()) return;
        state[next] = 1;
      }
      try {
        outcomes[next] = copy_table(*source, *target, transfer, *work[next].first, work[next].second, options, shared);
      } catch (...) {
        std::lock_guard<std::mutex> guard(mutex);
        if (!failure) failure = std::current_exception();
        changed.notify_all();
        return;
      }
      std::lock_guard<std::mutex> guard(mutex);
      state[next] = 2;
      changed.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < options.jobs; ++i) threads.emplace_back(worker);
  for (std::thread& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
  return outcomes;
}

}  // namespace

std::vector<TableOutcome> copy_tables(db::DataConnection& source, db::DataConnection& target,
                                      const std::string& transfer, const Mapping& mapping,
                                      const CopyOptions& options, CopyObserver& observer) {
  // --table names a source table, or a derived table by its target name (or "step:NAME").
  const auto chosen = [&](const TableMapping& table, const std::string& name) {
    return table.source == name || (!table.derived_step.empty() && table.target == name);
  };
  const auto wanted = [&](const TableMapping& table) {
    return options.tables.empty() || std::any_of(options.tables.begin(), options.tables.end(),
                                                 [&](const std::string& name) { return chosen(table, name); });
  };
  for (const std::string& name : options.tables) {
    const auto named = [&](const TableMapping& table) { return chosen(table, name); };
    const bool known = std::any_of(mapping.tables.begin(), mapping.tables.end(), named) ||
                       std::any_of(mapping.derived.begin(), mapping.derived.end(), named);
    if (!known) throw UsageError("--table " + name + ": the transfer copies no such source table and derives no such table");
  }
  std::vector<TableOutcome> outcomes;
  if (options.dry_run) target.begin();
  // A chunk's commit need not wait for its WAL to reach disk: the chunk and its
  // checkpoint are one transaction, so a crash of the server loses both or neither, and a
  // rerun copies again exactly what was lost. Each table's last commit waits (see above).
  if (!options.dry_run) target.execute("SET synchronous_commit TO off");
  try {
    ensure_progress_tables(target);
    if (options.restart) forget_progress(target, transfer);
    const std::vector<TableProgress> checkpoints = read_progress(target, transfer);
    std::vector<std::pair<const TableMapping*, TableProgress>> work;
    const auto checkpoint_of = [&](const TableMapping& table) {
      TableProgress progress;
      for (const TableProgress& each : checkpoints) {
        if (each.source_table == table.source) progress = each;
      }
      return progress;
    };
    for (const TableMapping& table : mapping.tables) {
      if (!wanted(table)) continue;
      work.emplace_back(&table, checkpoint_of(table));
    }
    const bool parallel = options.jobs > 1 && !options.dry_run && work.size() > 1 && options.open_source &&
                          options.open_target;
    if (parallel) {
      // Whether each target is empty decides whether it must wait for its parents.
      std::vector<TableMapping> copies;
      copies.reserve(work.size());
      for (auto& [table, progress] : work) {
        copies.push_back(*table);
        copies.back().empty_target =
            target.query("SELECT 1 FROM " + target.quote_name(table->target) + " LIMIT 1").empty();
      }
      for (std::size_t i = 0; i < work.size(); ++i) work[i].first = &copies[i];
      outcomes = copy_parallel(work, transfer, mapping, options, observer);
    } else {
      for (auto& [table, progress] : work) {
        outcomes.push_back(copy_table(source, target, transfer, *table, progress, options, observer));
      }
    }
    // Derived tables come after the copied ones (their steps read the source, their rows
    // usually reference copied rows), one at a time.
    for (const TableMapping& table : mapping.derived) {
      if (!wanted(table)) continue;
      outcomes.push_back(copy_derived_table(source, target, transfer, table, checkpoint_of(table), options, observer));
    }
    restore_foreign_keys(target, transfer, options.dry_run);
  } catch (...) {
    target.rollback();
    throw;
  }
  if (options.dry_run) target.rollback();
  return outcomes;
}

}  // namespace migrate::transfer
