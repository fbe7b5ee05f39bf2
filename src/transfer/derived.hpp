// Derived tables: rows made by a transfer step reading the source (step/transfer_step.hpp),
// and their load into the target in one transaction with the table's checkpoint and its
// undo. Internal to the transfer layer.
#pragma once

#include <functional>
#include <string>

#include "migrate/db/data_connection.hpp"
#include "migrate/transfer/copier.hpp"
#include "migrate/transfer/mapping.hpp"
#include "migrate/transfer/progress.hpp"

namespace migrate::transfer {

/// Runs table's transfer step on source, in one read-only snapshot, handing on_row each row
/// it makes as cells (values in the order of table.source_columns). What the step throws
/// comes back as RevisionFailed naming the step; Interrupted passes through.
void derive_rows(db::DataConnection& source, const TableMapping& table,
                 const std::function<void(const db::Row&)>& on_row);

/// Fills a derived table: every row the step makes, in one transaction with the table's
/// checkpoint and its undo, so a run stopped meanwhile leaves nothing of it and the rerun
/// runs the step again. A table an earlier run finished is passed over.
TableOutcome copy_derived_table(db::DataConnection& source, db::DataConnection& target, const std::string& transfer,
                                const TableMapping& table, TableProgress progress, const CopyOptions& options,
                                CopyObserver& observer);

}  // namespace migrate::transfer
