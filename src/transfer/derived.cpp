// Derived tables filled by transfer steps; see derived.hpp.
#include "transfer/derived.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <variant>

#include <nlohmann/json.hpp>

#include "migrate/step/transfer_step.hpp"
#include "migrate/transfer/convert.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "transfer/load_sql.hpp"

namespace migrate::transfer {

namespace {

using Clock = std::chrono::steady_clock;

void to_cell(const step::Value& value, db::Cell& cell) {
  if (std::holds_alternative<std::nullptr_t>(value)) {
    cell.kind = db::CellKind::null;
    cell.text.clear();
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    cell.kind = db::CellKind::integer;
    cell.text = std::to_string(*integer);
  } else if (const auto* real = std::get_if<double>(&value)) {
    cell.kind = db::CellKind::real;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", *real);
    cell.text = buffer;
  } else {
    cell.kind = db::CellKind::text;
    cell.text = std::get<std::string>(value);
  }
}

// Hands the step's rows on as cells, one row held at a time.
class CellSink final : public step::RowSink {
 public:
  CellSink(const TableMapping& table, const std::function<void(const db::Row&)>& on_row)
      : m_on_row(on_row), m_row(table.source_columns.size()) {}

  void add(const std::vector<step::Value>& values) override {
    util::throw_if_interrupted();
    if (values.size() != m_row.size()) {
      throw std::invalid_argument("row " + std::to_string(m_rows + 1) + " has " + std::to_string(values.size()) +
                                  " values; the step declares " + std::to_string(m_row.size()) + " columns");
    }
    for (std::size_t i = 0; i < values.size(); ++i) to_cell(values[i], m_row[i]);
    ++m_rows;
    m_on_row(m_row);
  }

 private:
  const std::function<void(const db::Row&)>& m_on_row;
  db::Row m_row;
  std::int64_t m_rows = 0;
};

// The source's transaction for the step: one snapshot, read-only where the database can
// say so (a SQLite source is opened read-only already); always rolled back.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(db::DataConnection& source) : m_source(source) {
    m_source.execute(source.dialect() == Dialect::postgres ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                                                           : "BEGIN");
  }
  ~ReadSnapshot() { m_source.rollback(); }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  db::DataConnection& m_source;
};

}  // namespace

void derive_rows(db::DataConnection& source, const TableMapping& table,
                 const std::function<void(const db::Row&)>& on_row) {
  const step::TransferStepDefinition* step = step::find_transfer_step(table.derived_step);
  if (step == nullptr) throw UsageError("no transfer step named " + table.derived_step + " is built into this migrate");
  ReadSnapshot snapshot(source);
  const std::unique_ptr<step::Session> session = source.session();
  CellSink sink(table, on_row);
  try {
    step->derive(*session, sink);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw RevisionFailed("transfer step " + step->name + " (" + step->source_file + ") failed: " + e.what());
  }
}

TableOutcome copy_derived_table(db::DataConnection& source, db::DataConnection& target, const std::string& transfer,
                                const TableMapping& table, TableProgress progress, const CopyOptions& options,
                                CopyObserver& observer) {
  TableOutcome outcome;
  if (progress.state == "done") {
    outcome.progress = progress;
    outcome.total = progress.source_rows;
    outcome.already_done = true;
    observer.on_chunk(progress, outcome.total);
    return outcome;
  }
  const auto started = Clock::now();
  progress = TableProgress{};  // nothing of an unfinished derived table was kept: start over
  progress.source_table = table.source;
  progress.target_table = table.target;
  progress.state = "copying";
  observer.on_chunk(progress, -1);

  const bool collect_keys = records_inserted_keys(table, options.journal);
  nlohmann::json keys = nlohmann::json::array();
  std::int64_t made = 0;
  std::int64_t rows = 0;
  std::int64_t skipped = 0;
  try {
    if (!options.dry_run) target.begin();
    std::string undo = journal_keyless(target, table, options.journal);
    bool staging_ready = false;
    const auto stream = target.copy_from(copy_destination(target, table, staging_ready), column_list(target, table));
    std::string data;
    derive_rows(source, table, [&](const db::Row& row) {
      ++made;
      for (int index : table.key_columns) {
        const ColumnMapping& column = table.columns[static_cast<std::size_t>(index)];
        if (row[static_cast<std::size_t>(column.source)].kind != db::CellKind::null) continue;
        ++skipped;
        observer.on_warning(table.source, "row " + std::to_string(made) + " made by the step has no value for " +
                                              table.target + "." + column.target + ", part of its key: skipped");
        return;
      }
      append_row(data, row, table);
      ++rows;
      if (collect_keys) append_key(keys, row, table);
      if (data.size() >= k_send_bytes) {
        stream->write(data);
        data.clear();
      }
    });
    stream->write(data);
    stream->finish();
    if (options.journal != nullptr) {
      if (collect_keys && !keys.empty()) undo += options.journal->inserted(target, table, keys.dump());
      if (table.on_conflict != config::OnConflict::error) undo += journal_upsert(target, table, *options.journal);
    }
    const std::int64_t written = table.on_conflict == config::OnConflict::error ? rows : merge_stage(target, table);
    advance_sequences(target, table);
    progress.rows_read = made;
    progress.rows_written = written;
    progress.rows_skipped = skipped;
    progress.source_rows = made;
    progress.state = "done";
    progress.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    // The table's rows, its undo and its checkpoint commit together, with the WAL flushed.
    target.execute((options.dry_run ? std::string() : std::string("SET LOCAL synchronous_commit TO on;")) + undo +
                   checkpoint_sql(target, transfer, progress));
    if (!options.dry_run) target.commit();
  } catch (const Interrupted& e) {
    target.rollback();
    throw Interrupted(e.signal(), std::string(e.what()) + " while filling " + table.target + " by transfer step " +
                                      table.derived_step + ": its " + std::to_string(made) +
                                      " rows made so far rolled back, nothing of it kept; a rerun runs the step again");
  } catch (const RevisionFailed& e) {
    target.rollback();
    std::string message = "filling " + table.target + " by transfer step " + table.derived_step +
                          " (rolled back, nothing of it kept): " + e.what();
    if (e.sqlstate() == "23505") {
      message += " (the target already holds that key: set on_conflict = \"update\" or \"skip\" for the derived "
                 "table " + table.target + ", or empty it)";
    }
    throw RevisionFailed(message, e.sqlstate());
  }
  outcome.progress = progress;
  outcome.total = made;
  outcome.seconds = progress.seconds;
  observer.on_chunk(progress, outcome.total);
  return outcome;
}

}  // namespace migrate::transfer
