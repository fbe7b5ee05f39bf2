// The `-- migrate:` directives a revision file may carry in its leading comments.
#pragma once

#include <filesystem>
#include <string_view>

#include "migrate/model/revision.hpp"

namespace migrate::source {

/// Reads the directives of a revision file: `-- migrate:<name> [value]` comment lines
/// before its first statement (blank lines and other comments may come between).
/// Throws ConfigError naming file and line for an unknown directive, a missing or bad
/// value, a repeated directive, or a `-- migrate:` line after SQL has begun, where it
/// would silently do nothing.
Directives parse_directives(std::string_view sql, const std::filesystem::path& file);

}  // namespace migrate::source
