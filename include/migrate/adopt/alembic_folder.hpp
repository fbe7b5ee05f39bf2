// An Alembic project's revision graph read as values, without running Python: each
// revision's ids and edges, ordered and numbered for migrate, and the mapping file that
// keeps the numbering and the graph between runs.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "migrate/model/revision.hpp"

namespace migrate::adopt {

/// One revision file of `<alembic-dir>/versions/`.
struct AlembicRevision {
  std::string id;                           ///< module-level `revision`
  std::vector<std::string> down_revisions;  ///< `down_revision`: none, one, or a merge's tuple
  std::vector<std::string> depends_on;      ///< `depends_on`
  std::string create_date;                  ///< the docstring's `Create Date:` ("" when absent)
  std::string message;                      ///< the docstring's first line
  std::filesystem::path file;
  Version version = 0;       ///< the number migrate gives it
  std::string version_text;  ///< as written in the file name ("006" keeps its zeros)
  std::string name;          ///< the revision file's name part

  /// `<version_text>_<name>`.
  std::string stem() const { return version_text + "_" + name; }
};

/// One id of the mapping file `alembic_ids.json`.
struct AlembicMapEntry {
  Version version = 0;
  std::vector<std::string> down_revisions;
  std::vector<std::string> depends_on;
};

/// alembic id -> its version and edges.
using AlembicMap = std::map<std::string, AlembicMapEntry>;

/// The mapping file's name inside a service's migrations folder.
inline constexpr const char* k_alembic_map_file = "alembic_ids.json";

/// Parses one Alembic revision file's module-level assignments and docstring. Throws
/// UsageError naming the file and line when `revision` is missing or a value is not a
/// string literal, None, or a tuple/list of string literals.
AlembicRevision parse_alembic_revision(const std::filesystem::path& file, const std::string& text);

/// Reads `<dir>/versions/*.py` (dir may be the versions folder itself), orders the
/// revisions topologically (ties by Create Date, then id) and numbers them: an all-digit
/// id keeps its number; any other id takes its number from `known` (a previous import's
/// mapping) or the next number above the highest. Throws UsageError (nothing written by
/// the caller) for an unparsable file, a duplicate id, an unknown down_revision or
/// depends_on, a cycle, or numbers whose order is not the graph's.
std::vector<AlembicRevision> read_alembic_folder(const std::filesystem::path& dir, const AlembicMap& known = {});

/// The mapping of revisions (id -> version, edges).
AlembicMap alembic_map_of(const std::vector<AlembicRevision>& revisions);

/// Reads a mapping file; a missing file is an empty map. Throws UsageError when it is not
/// the mapping file's JSON.
AlembicMap read_alembic_map(const std::filesystem::path& file);

/// The mapping file's text (stable: sorted ids, two-space indent, final newline).
std::string alembic_map_text(const AlembicMap& map);

}  // namespace migrate::adopt
