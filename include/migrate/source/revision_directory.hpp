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

class ChecksumCache;

/// A revision file found in a folder, with its parsed name.
struct RevisionFile {
  FilePath path;  ///< the folder (shared by the folder's files) and the file's name
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

/// How load_revisions reads a folder.
struct LoadOptions {
  /// Takes what it knows of files whose stamp is unchanged (they are not read) and learns
  /// the rest; nullptr reads and hashes every file (`verify`).
  ChecksumCache* cache = nullptr;
  /// false: no script keeps its text (each is `deferred`, read by read_script_text when
  /// it is about to run), so memory does not grow with the revisions' size.
  bool keep_text = true;
};

/// load_revisions, reading as options say. Every check above applies to every file read;
/// a file the cache answers for passed them all when it was read, with the same stamp.
std::vector<Revision> load_revisions(const std::filesystem::path& dir, Dialect dialect, const std::string& service,
                                     const std::vector<step::StepDefinition>& steps, const LoadOptions& options);

/// The text of script (without a byte order mark), read now. Throws BlockedError when the
/// file cannot be read or its checksum is no longer script.checksum: it changed after
/// the run was checked and planned, and must not run unchecked.
std::string read_script_text(const RevisionScript& script);

}  // namespace migrate::source
