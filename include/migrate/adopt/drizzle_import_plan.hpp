// What importing a drizzle-kit folder into a service's migrations folder would do, decided
// before anything is written.
#pragma once

#include <filesystem>
#include <vector>

#include "migrate/adopt/drizzle_folder.hpp"

namespace migrate::adopt {

/// One migration and the revision file it becomes.
struct PlannedRevision {
  DrizzleMigration migration;
  std::filesystem::path target;  ///< <migrations dir>/<version>_<name>.up.sql
  bool unchanged = false;        ///< the target already holds exactly these bytes
};

/// Every migration of the folder, in journal order.
struct DrizzleImportPlan {
  std::vector<PlannedRevision> revisions;
};

/// Compares the folder with the revision files already in migrations_dir (a missing
/// folder holds none). Reads only. Throws UsageError (exit 2) naming both files when a
/// version of the folder is already in migrations_dir under another name, with other
/// bytes, or as a dialect variant (`.up.postgres.sql`) that would stand in for it; throws
/// ConfigError when migrations_dir holds a file name that does not parse.
DrizzleImportPlan plan_drizzle_import(const DrizzleFolder& folder, const std::filesystem::path& migrations_dir);

}  // namespace migrate::adopt
