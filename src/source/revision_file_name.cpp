// Hand-written parser for revision file names: small, total and allocation-light.
#include "migrate/source/revision_file_name.hpp"

#include "migrate/util/text.hpp"

namespace migrate::source {

namespace {

constexpr std::size_t k_min_digits = 4;
constexpr std::size_t k_max_digits = 18;  // fits in a signed 64-bit version

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_'; }

// Splits "name.up.postgres.sql" style suffixes off; returns false when the suffix is unknown.
bool parse_suffix(std::string_view suffix, RevisionFileName& out) {
  if (suffix == ".cpp") {
    out.role = FileRole::step;
    return true;
  }
  if (!util::ends_with(suffix, ".sql")) return false;
  suffix.remove_suffix(4);
  if (util::starts_with(suffix, ".up")) {
    out.role = FileRole::up;
    suffix.remove_prefix(3);
  } else if (util::starts_with(suffix, ".down")) {
    out.role = FileRole::down;
    suffix.remove_prefix(5);
  } else {
    return false;
  }
  if (suffix.empty()) return true;
  if (suffix == ".postgres") out.variant = Dialect::postgres;
  else if (suffix == ".sqlite") out.variant = Dialect::sqlite;
  else return false;
  return true;
}

}  // namespace

bool looks_like_revision_file(std::string_view file_name) {
  return !file_name.empty() && file_name.front() != '.' &&
         (util::ends_with(file_name, ".sql") || util::ends_with(file_name, ".cpp"));
}

std::optional<RevisionFileName> parse_revision_file_name(std::string_view file_name) {
  std::size_t digits = 0;
  while (digits < file_name.size() && is_digit(file_name[digits])) ++digits;
  if (digits < k_min_digits || digits > k_max_digits) return std::nullopt;
  if (digits >= file_name.size() || file_name[digits] != '_') return std::nullopt;

  RevisionFileName out;
  for (std::size_t i = 0; i < digits; ++i) out.version = out.version * 10 + (file_name[i] - '0');
  if (out.version <= 0) return std::nullopt;

  const std::size_t name_begin = digits + 1;
  std::size_t name_end = name_begin;
  while (name_end < file_name.size() && is_name_char(file_name[name_end])) ++name_end;
  if (name_end == name_begin) return std::nullopt;
  out.name = std::string(file_name.substr(name_begin, name_end - name_begin));
  if (!parse_suffix(file_name.substr(name_end), out)) return std::nullopt;
  return out;
}

}  // namespace migrate::source
