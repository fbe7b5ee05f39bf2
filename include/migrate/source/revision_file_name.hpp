// The grammar of revision file names: <version>_<name>.up.sql, .down.sql, .up.postgres.sql, .cpp.
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

/// The rule revision file names follow, worded for messages.
extern const char* const k_revision_file_name_rule;

/// True for names migrate treats as revision files, which must then parse: not hidden,
/// and ending in .sql or .cpp (in any case), or a near miss such as `0001_x.up.SQL`,
/// `0001_x.up.sql.txt` or `0001-x.up.pgsql` (leading digits, then '_' or '-', and an
/// `.up.`/`.down.` part or ending), which would otherwise be silently ignored.
bool looks_like_revision_file(std::string_view file_name);

/// Parses a file name; nullopt when it does not follow the grammar (see DESIGN.md, Revisions):
/// `<version>_<name>.up.sql`, `.down.sql`, `.up.<dialect>.sql`, `.down.<dialect>.sql` or
/// `<version>_<name>.cpp`, where version is 1–18 digits (0 allowed, leading zeros kept
/// as spelling) and name is `[A-Za-z0-9][A-Za-z0-9_.-]*` (`0001_v1.2.up.sql` is v1.2).
std::optional<RevisionFileName> parse_revision_file_name(std::string_view file_name);

/// "0001_init" of "0001_init.up.sql": the version as spelled and the name. file_name
/// must be one parse_revision_file_name accepted, with parsed its result.
std::string_view revision_stem(std::string_view file_name, const RevisionFileName& parsed);

/// True when a C++ step's file name also suits the build, which compiles only
/// `NNNN_snake_name.cpp` (at least four digits, lowercase letters, digits and '_').
bool is_compilable_step_name(std::string_view file_name);

}  // namespace migrate::source
