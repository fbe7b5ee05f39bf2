// The `import drizzle` verb: write a service's revisions from a drizzle-kit out folder.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "migrate/adopt/drizzle_folder.hpp"
#include "migrate/config/manifest.hpp"

namespace migrate::orchestrate {

/// One revision file of the import.
struct ImportedRevision {
  Version version = 0;
  std::string version_text;  ///< as spelled in the tag ("0060")
  std::string name;
  std::string tag;               ///< drizzle-kit's tag
  std::filesystem::path source;  ///< the drizzle-kit file
  std::filesystem::path file;    ///< the revision file in the service's folder
};

/// What `import drizzle` wrote (or, with dry_run, would write).
struct DrizzleImportReport {
  std::string service;
  std::filesystem::path folder;  ///< the drizzle-kit out folder
  adopt::DrizzleLayout layout = adopt::DrizzleLayout::journal;
  bool dry_run = false;
  std::vector<ImportedRevision> written;        ///< new files, journal order
  std::vector<ImportedRevision> unchanged;      ///< already there with the same bytes
  std::vector<std::filesystem::path> unlisted;  ///< SQL files the journal does not list, not imported
};

/// Reads and checks the whole drizzle-kit folder against the service's migrations folder
/// and its database's dialect first (adopt::read_drizzle_folder, check_drizzle_dialect,
/// adopt::plan_drizzle_import: any refusal throws UsageError with nothing written), then writes each new
/// `<version>_<name>.up.sql` with the drizzle-kit file's bytes, atomically (temporary file, rename), creating the
/// migrations folder if needed. Files already there with the same bytes are left alone,
/// so a second run writes nothing. With dry_run nothing is written. A write that fails
/// removes the files this call wrote and throws UsageError.
DrizzleImportReport import_drizzle(const config::Manifest& manifest, const std::string& service,
                                   const std::filesystem::path& folder, const config::DatabaseUrl& database,
                                   bool dry_run);

}  // namespace migrate::orchestrate
