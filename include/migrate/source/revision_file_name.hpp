// The grammar of revision file names: NNNN_snake_name.up.sql, .down.sql, .up.postgres.sql, .cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "migrate/model/dialect.hpp"
#include "migrate/model/revision.hpp"

namespace migrate::source {

enum class FileRole { up, down, step };

/// A parsed revision file name.
struct RevisionFileName {
  Version version = 0;
  std::string name;
  FileRole role = FileRole::up;
  std::optional<Dialect> variant;  ///< set for NNNN_name.up.postgres.sql and the like
};

/// True for names migrate treats as revision files (ending in .sql or .cpp, not hidden).
bool looks_like_revision_file(std::string_view file_name);

/// Parses a file name; nullopt when it does not follow the grammar (see DESIGN.md, Revisions):
/// at least four digits for a positive version, '_', lowercase snake_case name, then
/// `.up.sql`, `.down.sql`, `.up.<dialect>.sql`, `.down.<dialect>.sql` or `.cpp`.
std::optional<RevisionFileName> parse_revision_file_name(std::string_view file_name);

}  // namespace migrate::source
