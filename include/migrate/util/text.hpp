// Small string helpers that know nothing of migrations.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace migrate::util {

/// Returns text with every CRLF pair replaced by LF.
std::string crlf_to_lf(std::string_view text);

/// Returns text without leading and trailing ASCII white space.
std::string_view trim(std::string_view text);

/// True when text is empty or only ASCII white space.
bool is_blank(std::string_view text);

/// True when text starts with prefix.
bool starts_with(std::string_view text, std::string_view prefix);

/// True when text ends with suffix.
bool ends_with(std::string_view text, std::string_view suffix);

/// Joins parts with separator.
std::string join(const std::vector<std::string>& parts, std::string_view separator);

/// Replaces every occurrence of needle (non-empty) in text with replacement.
std::string replace_all(std::string text, std::string_view needle, std::string_view replacement);

}  // namespace migrate::util
