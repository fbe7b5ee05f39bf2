// A schema_migrations row as written: what apply, stamp and repair record for a revision.
#pragma once

#include <string>

#include "migrate/model/revision.hpp"

namespace migrate {

/// A schema_migrations row to write. applied_at comes from the database clock unless given,
/// duration_ms is measured by the driver (0 for rows recorded without running anything).
struct HistoryRow {
  std::string service;
  Version version = 0;
  std::string name;
  std::string kind;  ///< "sql" or "cpp"
  std::string checksum;
  std::string applied_by;
  bool dirty = false;
  std::string applied_at;  ///< UTC, ISO 8601, for a row recorded as applied earlier (adopt); "": now
};

}  // namespace migrate
