// Hand-written parser for revision file names: small, total and allocation-light.
#include "migrate/source/revision_file_name.hpp"

#include "migrate/util/text.hpp"

namespace migrate::source {

const char* const k_revision_file_name_rule =
    "<version>_<name>.up.sql or <version>_<name>.down.sql (optionally .up.postgres.sql / .up.sqlite.sql), "
    "or <version>_<name>.cpp, where version is 1-18 digits and name is [A-Za-z0-9][A-Za-z0-9_.-]*";

namespace {

constexpr std::size_t k_max_digits = 18;  // fits in a signed 64-bit version
constexpr std::size_t k_min_step_digits = 4;  // the build's pattern for C++ steps

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool iends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && iequal(text.substr(text.size() - suffix.size()), suffix);
}

bool icontains(std::string_view text, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= text.size(); ++i) {
    if (iequal(text.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::size_t leading_digits(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  return digits;
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || !is_alnum(name.front())) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

// Strips suffix off rest when rest ends with it (exact case).
bool strip(std::string_view& rest, std::string_view suffix) {
  if (!util::ends_with(rest, suffix)) return false;
  rest.remove_suffix(suffix.size());
  return true;
}

}  // namespace

bool looks_like_revision_file(std::string_view file_name) {
  if (file_name.empty() || file_name.front() == '.') return false;
  if (iends_with(file_name, ".sql") || iends_with(file_name, ".cpp")) return true;
  const std::size_t digits = leading_digits(file_name);
  if (digits == 0 || digits >= file_name.size() || (file_name[digits] != '_' && file_name[digits] != '-')) {
    return false;
  }
  return icontains(file_name, ".up.") || icontains(file_name, ".down.") || iends_with(file_name, ".up") ||
         iends_with(file_name, ".down");
}

std::optional<RevisionFileName> parse_revision_file_name(std::string_view file_name) {
  const std::size_t digits = leading_digits(file_name);
  if (digits == 0 || digits > k_max_digits) return std::nullopt;
  if (digits >= file_name.size() || file_name[digits] != '_') return std::nullopt;

  RevisionFileName out;
  for (std::size_t i = 0; i < digits; ++i) out.version = out.version * 10 + (file_name[i] - '0');

  // The suffix is read from the end: a name may hold dots itself ("v1.2.up.sql").
  std::string_view rest = file_name.substr(digits + 1);
  if (strip(rest, ".cpp")) {
    out.role = FileRole::step;
  } else if (strip(rest, ".sql")) {
    if (strip(rest, ".postgres")) out.variant = Dialect::postgres;
    else if (strip(rest, ".sqlite")) out.variant = Dialect::sqlite;
    if (strip(rest, ".up")) out.role = FileRole::up;
    else if (strip(rest, ".down")) out.role = FileRole::down;
    else return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!is_valid_name(rest)) return std::nullopt;
  out.name = std::string(rest);
  return out;
}

std::string_view revision_stem(std::string_view file_name, const RevisionFileName& parsed) {
  return file_name.substr(0, leading_digits(file_name) + 1 + parsed.name.size());
}

bool is_compilable_step_name(std::string_view file_name) {
  const std::size_t digits = leading_digits(file_name);
  if (digits < k_min_step_digits || digits >= file_name.size() || file_name[digits] != '_') return false;
  std::string_view name = file_name.substr(digits + 1);
  if (!strip(name, ".cpp") || name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '_')) return false;
  }
  return true;
}

}  // namespace migrate::source
