// libFuzzer target: the statement lexer (and the directive reader that runs before it).
// Properties: no crash; the pieces concatenate back to the input, each piece starts on
// the line the previous ones end on, its first token lies within it, and a piece marked
// blank holds only white space, comments and semicolons.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "migrate/source/directives.hpp"
#include "migrate/source/statement_lexer.hpp"
#include "migrate/util/error.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

bool only_space_comments_and_semicolons(std::string_view text) {
  // A conservative check: a piece marked blank must not contain any letter or digit
  // outside comments. Comments are skipped the simple way, which is exact for blank pieces.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "--") == 0) {
      const std::size_t end = text.find('\n', i);
      if (end == std::string_view::npos) return true;
      i = end;
    } else if (text.compare(i, 2, "/*") == 0) {
      return true;  // nesting rules differ by dialect; trust the lexer inside comments
    } else if (std::string_view(" \t\r\n\f\v;").find(text[i]) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view sql(reinterpret_cast<const char*>(data), size);
  const auto statements = migrate::source::split_statements(sql);
  std::string joined;
  std::size_t line = 1;
  for (const auto& statement : statements) {
    check(statement.line == line);
    check(statement.first_token_line >= statement.line);
    check(!statement.text.empty());
    if (statement.blank) check(only_space_comments_and_semicolons(statement.text));
    for (char c : statement.text) line += c == '\n' ? 1 : 0;
    check(statement.first_token_line <= line);
    joined += statement.text;
  }
  check(joined == sql);
  try {
    migrate::source::parse_directives(sql, "fuzz.up.sql");
  } catch (const migrate::ConfigError&) {
    // A clear refusal is a fine answer to bad input.
  }
  return 0;
}
