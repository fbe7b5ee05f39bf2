// Reads a service's migrations folder into revisions, rejecting malformed folders whole.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "migrate/model/dialect.hpp"
#include "migrate/model/revision.hpp"
#include "migrate/source/revision_file_name.hpp"
#include "migrate/step/step.hpp"

namespace migrate::source {

/// A revision file found in a folder, with its parsed name.
struct RevisionFile {
  std::filesystem::path path;
  RevisionFileName parsed;
};

/// Lists the revision files of dir, sorted by version then file name.
/// Throws ConfigError when dir is missing or not a folder, or a file name is unparsable.
std::vector<RevisionFile> scan_revision_files(const std::filesystem::path& dir);

/// Loads every revision of dir resolved for dialect, ascending by version; a
/// `.up.<dialect>.sql` variant wins over the generic `.up.sql` (likewise for down). A
/// `NNNN_name.cpp` file is the compiled step of `service` with that version in `steps`.
/// Throws ConfigError, before anything touches a database, for: duplicate versions,
/// unparsable names, a down file without an up file, an empty up file, a revision with
/// no up file for this dialect, an unreadable file, a .cpp file whose step is not in
/// `steps` or differs from the compiled one (binary older than the tree), and a step in
/// `steps` whose file is gone.
std::vector<Revision> load_revisions(const std::filesystem::path& dir, Dialect dialect,
                                     const std::string& service = {},
                                     const std::vector<step::StepDefinition>& steps = step::registered_steps());

}  // namespace migrate::source
