// `transfer check`: what would make a copy fail or lose rows, found before it runs by
// reading the source only: duplicate keys (check-duplicates), rows without a key value
// (check-pk), every value the target's type would refuse, and duplicates on any other
// chosen key (the "same member_id in two guilds" kind), each named by its row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "migrate/db/data_connection.hpp"
#include "migrate/transfer/mapping.hpp"

namespace migrate::transfer {

/// What check found in one table.
struct TableFindings {
  std::string source;
  std::string target;
  std::int64_t rows = 0;
  std::int64_t missing_key = 0;     ///< rows the copy would skip (a key column NULL)
  std::int64_t duplicate_keys = 0;  ///< key values that occur more than once
  std::int64_t bad_values = 0;      ///< values the target's type would refuse
  std::int64_t unique_violations = 0;  ///< values of the --unique columns that occur more than once
  std::vector<std::string> examples;   ///< the first offending rows, described
  bool ok() const { return missing_key == 0 && duplicate_keys == 0 && bad_values == 0 && unique_violations == 0; }
};

/// Checks the tables of mapping (only `tables` when not empty). `unique` lists extra keys
/// to check, each "col" or "col1,col2" over source columns; a table that lacks them is
/// passed over.
std::vector<TableFindings> check_tables(db::DataConnection& source, const Mapping& mapping,
                                        const std::vector<std::string>& tables,
                                        const std::vector<std::string>& unique);

}  // namespace migrate::transfer
