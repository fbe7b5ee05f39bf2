// Directive comments at the top of a revision file.
#include "migrate/source/directives.hpp"

#include <string>

#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::source {

namespace {

constexpr std::string_view k_prefix = "migrate:";

// "-- migrate:x" → "migrate:x"; anything that is not a directive comment → empty.
std::string_view directive_text(std::string_view line) {
  if (!util::starts_with(line, "--")) return {};
  const std::string_view comment = util::trim(line.substr(2));
  return util::starts_with(comment, k_prefix) ? comment : std::string_view();
}

}  // namespace

Directives parse_directives(std::string_view sql, const std::filesystem::path& file) {
  Directives directives;
  bool seen_sql = false;
  bool seen_no_transaction = false;
  std::size_t line_number = 0;
  while (!sql.empty()) {
    ++line_number;
    const std::size_t end = sql.find('\n');
    const std::string_view line = util::trim(sql.substr(0, end));
    sql = end == std::string_view::npos ? std::string_view() : sql.substr(end + 1);
    const std::string where = file.string() + ":" + std::to_string(line_number) + ": ";
    const std::string_view text = directive_text(line);
    if (text.empty()) {
      // Block comments and SQL end the header; a directive after them would do nothing.
      if (!line.empty() && !util::starts_with(line, "--")) seen_sql = true;
      continue;
    }
    if (seen_sql) {
      throw ConfigError(where + "directive '" + std::string(text) +
                        "' stands after SQL or a block comment, where it would do nothing; directives come first");
    }
    const std::string_view body = text.substr(k_prefix.size());
    const std::size_t space = body.find_first_of(" \t");
    const std::string_view name = body.substr(0, space);
    const std::string_view value = space == std::string_view::npos ? std::string_view()
                                                                    : util::trim(body.substr(space));
    if (name == "no-transaction") {
      if (!value.empty()) throw ConfigError(where + "'migrate:no-transaction' takes no value");
      if (seen_no_transaction) throw ConfigError(where + "'migrate:no-transaction' is repeated");
      seen_no_transaction = directives.no_transaction = true;
    } else if (name == "lock-timeout" || name == "statement-timeout") {
      auto& slot = name == "lock-timeout" ? directives.timeouts.lock_timeout : directives.timeouts.statement_timeout;
      if (slot) throw ConfigError(where + "'migrate:" + std::string(name) + "' is repeated");
      slot = util::parse_duration(value);
      if (!slot || slot->count() <= 0) {
        throw ConfigError(where + "'migrate:" + std::string(name) +
                          "' needs a positive duration such as 5s or 10min, got '" + std::string(value) + "'");
      }
    } else {
      throw ConfigError(where + "unknown directive '" + std::string(text) +
                        "' (known: migrate:no-transaction, migrate:lock-timeout, migrate:statement-timeout)");
    }
  }
  return directives;
}

}  // namespace migrate::source
