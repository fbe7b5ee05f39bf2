// Checking a transfer after the copy: every source row, converted as the copy converts it,
// loaded beside the target and compared with the target row of the same key by the
// target's own types (so jsonb, timestamps and numbers compare as values, not as text), a
// key range at a time so that a mismatch names its range, then its rows; row counts; and
// the foreign keys of the target tables.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "migrate/db/data_connection.hpp"
#include "migrate/transfer/mapping.hpp"

namespace migrate::transfer {

/// One table's comparison.
struct TableCheck {
  std::string source;
  std::string target;
  std::int64_t source_rows = 0;   ///< every row of the source table
  std::int64_t target_rows = 0;   ///< every row of the target table
  std::int64_t compared = 0;      ///< source rows with a key, compared with the target
  std::int64_t missing = 0;       ///< of those, absent from the target
  std::int64_t different = 0;     ///< of those, present with other values
  std::int64_t kept = 0;          ///< different, but on_conflict = "skip" kept the target's row on purpose
  std::int64_t orphans = 0;       ///< target rows whose foreign key finds no parent
  std::vector<std::string> mismatches;  ///< the first ranges and rows that differ, described
  bool ok() const { return missing == 0 && different == 0 && orphans == 0; }
};

/// Compares every table of mapping, derived ones by running their step again; `range`
/// source rows per compared range.
std::vector<TableCheck> validate_tables(db::DataConnection& source, db::DataConnection& target,
                                        const Mapping& mapping, int range = 10000);

}  // namespace migrate::transfer
