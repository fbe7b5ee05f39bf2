// Directive comments at the top of a revision file.
#include "migrate/source/directives.hpp"

#include <limits>
#include <string>

#include "migrate/source/statement_lexer.hpp"
#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::source {

namespace {

constexpr std::string_view k_prefix = "migrate:";
constexpr std::string_view k_byte_order_mark = "\xEF\xBB\xBF";

// "-- migrate:x" → "migrate:x"; anything that is not a directive comment → empty.
std::string_view directive_text(std::string_view line) {
  if (!util::starts_with(line, "--")) return {};
  const std::string_view comment = util::trim(line.substr(2));
  return util::starts_with(comment, k_prefix) ? comment : std::string_view();
}

// The white space and comments a statement piece starts with, up to its first token.
std::string_view leading_comments(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++pos;
    } else if (text.compare(pos, 2, "--") == 0) {
      pos = text.find('\n', pos);
      if (pos == std::string_view::npos) return text;
    } else if (text.compare(pos, 2, "/*") == 0) {
      int depth = 0;
      while (pos < text.size()) {
        if (text.compare(pos, 2, "/*") == 0) {
          ++depth;
          pos += 2;
        } else if (text.compare(pos, 2, "*/") == 0) {
          pos += 2;
          if (--depth == 0) break;
        } else {
          ++pos;
        }
      }
    } else {
      break;
    }
  }
  return text.substr(0, pos);
}

// Calls on_line(line_number, trimmed_line) for each line of text, which starts on line `first`.
template <typename OnLine>
void for_each_line(std::string_view text, std::size_t first, OnLine&& on_line) {
  std::size_t number = first;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    on_line(number++, util::trim(text.substr(0, end)));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
}

void read_directive(std::string_view text, const std::string& where, Directives& directives, bool& seen_no_transaction) {
  const std::string_view body = text.substr(k_prefix.size());
  const std::size_t space = body.find_first_of(" \t");
  const std::string_view name = body.substr(0, space);
  const std::string_view value = space == std::string_view::npos ? std::string_view() : util::trim(body.substr(space));
  if (name == "no-transaction") {
    if (!value.empty()) throw ConfigError(where + "'migrate:no-transaction' takes no value");
    if (seen_no_transaction) throw ConfigError(where + "'migrate:no-transaction' is repeated");
    seen_no_transaction = directives.no_transaction = true;
  } else if (name == "lock-timeout" || name == "statement-timeout") {
    auto& slot = name == "lock-timeout" ? directives.timeouts.lock_timeout : directives.timeouts.statement_timeout;
    if (slot) throw ConfigError(where + "'migrate:" + std::string(name) + "' is repeated");
    slot = util::parse_duration(value);
    if (!slot || slot->count() <= 0 || slot->count() > std::numeric_limits<int>::max()) {
      throw ConfigError(where + "'migrate:" + std::string(name) +
                        "' needs a positive duration of at most 24 days (PostgreSQL's limit) such as 5s or 10min, "
                        "got '" + std::string(value) + "'");
    }
  } else {
    throw ConfigError(where + "unknown directive '" + std::string(text) +
                      "' (known: migrate:no-transaction, migrate:lock-timeout, migrate:statement-timeout)");
  }
}

}  // namespace

Directives parse_directives(std::string_view sql, const std::filesystem::path& file) {
  if (util::starts_with(sql, k_byte_order_mark)) sql.remove_prefix(k_byte_order_mark.size());
  Directives directives;
  if (sql.find(k_prefix) == std::string_view::npos) return directives;  // the common case: none at all
  bool seen_no_transaction = false;
  bool first = true;
  // Directives live in the comments before the first statement. A directive comment
  // between later statements would do nothing, so it is refused rather than ignored; a
  // "-- migrate:" line inside a statement (a string, a function body) is just text.
  for (const Statement& statement : split_statements(sql)) {
    for_each_line(leading_comments(statement.text), statement.line, [&](std::size_t line, std::string_view text) {
      const std::string_view directive = directive_text(text);
      if (directive.empty()) return;
      const std::string where = file.string() + ":" + std::to_string(line) + ": ";
      if (!first) {
        throw ConfigError(where + "directive '" + std::string(directive) +
                          "' stands after SQL, where it would do nothing; directives come before the first statement");
      }
      read_directive(directive, where, directives, seen_no_transaction);
    });
    if (!statement.blank) first = false;
  }
  return directives;
}

}  // namespace migrate::source
