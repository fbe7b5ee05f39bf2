// A hand-written scanner modelled on psql's (src/fe_utils/psqlscan.l): it knows just enough
// of the token grammar to tell a statement-ending ';' from one inside a string, an
// identifier, a comment, a dollar-quoted body, parentheses or a BEGIN … END routine body.
#include "migrate/source/statement_lexer.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace migrate::source {

namespace {

bool is_identifier_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

bool is_identifier_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return is_identifier_start(c) || (u >= '0' && u <= '9') || c == '$';
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string lower(std::string_view word) {
  std::string out(word);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

// What the splitter knows beyond psql's PostgreSQL rules.
struct LexerOptions {
  bool trigger_bodies = false;  ///< CREATE TRIGGER … BEGIN … END is one statement (SQLite)
  bool sqlite_quotes = false;   ///< `…` and […] quote identifiers (SQLite)
};

class Lexer {
 public:
  explicit Lexer(std::string_view sql, LexerOptions options = {}) : m_sql(sql), m_options(options) {}

  std::vector<Statement> split() {
    while (m_pos < m_sql.size()) step();
    if (m_start < m_sql.size()) emit(m_sql.size());
    return std::move(m_statements);
  }

 private:
  char at(std::size_t pos) const { return pos < m_sql.size() ? m_sql[pos] : '\0'; }

  void step() {
    const char c = m_sql[m_pos];
    const char next = at(m_pos + 1);
    if (c == '-' && next == '-') return skip_line_comment();
    if (c == '/' && next == '*') return skip_block_comment();
    if (is_space(c)) {
      ++m_pos;
      return;
    }
    if (c == ';') {
      ++m_pos;
      if (m_paren_depth == 0 && m_begin_depth == 0) emit(m_pos);
      return;
    }
    if (!m_has_content) {
      m_has_content = true;
      const std::string_view before = m_sql.substr(m_start, m_pos - m_start);
      m_first_token_line = m_line + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    }
    if (c == '\'') return skip_string(false);
    if (c == '"') return skip_identifier();
    if (m_options.sqlite_quotes && c == '`') return skip_quoted('`', '`');
    if (m_options.sqlite_quotes && c == '[') return skip_quoted('[', ']');
    if (c == '$') return dollar();
    if (is_identifier_start(c)) return word();
    if (c == '(') ++m_paren_depth;
    if (c == ')' && m_paren_depth > 0) --m_paren_depth;
    ++m_pos;
  }

  void emit(std::size_t end) {
    const std::string_view text = m_sql.substr(m_start, end - m_start);
    m_statements.push_back({text, m_line, m_has_content ? m_first_token_line : m_line, !m_has_content});
    m_line += static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    m_start = end;
    m_has_content = false;
    m_words.clear();
    m_in_routine = false;
    m_paren_depth = 0;
    m_begin_depth = 0;
  }

  void skip_line_comment() {
    const std::size_t end = m_sql.find('\n', m_pos);
    m_pos = end == std::string_view::npos ? m_sql.size() : end;
  }

  // Block comments nest.
  void skip_block_comment() {
    int depth = 0;
    while (m_pos < m_sql.size()) {
      if (m_sql[m_pos] == '/' && at(m_pos + 1) == '*') {
        ++depth;
        m_pos += 2;
      } else if (m_sql[m_pos] == '*' && at(m_pos + 1) == '/') {
        m_pos += 2;
        if (--depth == 0) return;
      } else {
        ++m_pos;
      }
    }
  }

  // '…' with '' for a quote (and \' too in an E'…' string, whose backslashes escape).
  // A string followed by white space holding a newline and another '…' continues in it,
  // keeping its escape rules (PostgreSQL's quote continuation).
  void skip_string(bool backslash_escapes) {
    for (;;) {
      ++m_pos;  // the opening quote
      while (m_pos < m_sql.size()) {
        const char c = m_sql[m_pos];
        if (backslash_escapes && c == '\\') {
          m_pos += 2;
        } else if (c == '\'') {
          if (at(m_pos + 1) != '\'') break;
          m_pos += 2;
        } else {
          ++m_pos;
        }
      }
      if (m_pos >= m_sql.size()) {
        m_pos = m_sql.size();
        return;
      }
      ++m_pos;  // the closing quote
      const std::size_t next = continuation();
      if (next == std::string_view::npos) return;
      m_pos = next;
    }
  }

  // Where a continued string's next quote stands, or npos when none follows.
  std::size_t continuation() const {
    std::size_t pos = m_pos;
    bool newline = false;
    while (pos < m_sql.size()) {
      const char c = m_sql[pos];
      if (c == '\n') {
        newline = true;
        ++pos;
      } else if (is_space(c)) {
        ++pos;
      } else if (c == '-' && at(pos + 1) == '-' && newline) {
        pos = m_sql.find('\n', pos);
        if (pos == std::string_view::npos) return pos;
      } else {
        break;
      }
    }
    return newline && at(pos) == '\'' ? pos : std::string_view::npos;
  }

  // "…" with "" for a quote.
  void skip_identifier() {
    ++m_pos;
    while (m_pos < m_sql.size()) {
      if (m_sql[m_pos] == '"') {
        if (at(m_pos + 1) != '"') {
          ++m_pos;
          return;
        }
        ++m_pos;
      }
      ++m_pos;
    }
  }

  // SQLite's `…` (`` for a backtick) and […] (no escape).
  void skip_quoted(char open, char close) {
    ++m_pos;
    while (m_pos < m_sql.size()) {
      if (m_sql[m_pos] == close) {
        if (open != close || at(m_pos + 1) != close) {
          ++m_pos;
          return;
        }
        ++m_pos;
      }
      ++m_pos;
    }
  }

  void skip_until(std::size_t from, std::string_view terminator) {
    const std::size_t end = m_sql.find(terminator, from);
    m_pos = end == std::string_view::npos ? m_sql.size() : end + terminator.size();
  }

  // $tag$ … $tag$ (tag empty or an identifier without '$'); anything else, such as the
  // parameter $1, is an ordinary character.
  void dollar() {
    std::size_t end = m_pos + 1;
    if (is_identifier_start(at(end))) {
      while (end < m_sql.size() && is_identifier_char(m_sql[end]) && m_sql[end] != '$') ++end;
    }
    if (at(end) != '$') {
      ++m_pos;
      return;
    }
    const std::string_view tag = m_sql.substr(m_pos, end + 1 - m_pos);
    skip_until(end + 1, tag);
  }

  // An identifier or key word. E'…' starts an escape string. The first words of the
  // statement tell whether it creates a routine, whose BEGIN ATOMIC … END body holds
  // semicolons that do not end the statement. As in psql, BEGIN, CASE and END are
  // counted as key words there; a column named "begin" must then be quoted.
  void word() {
    const std::size_t begin = m_pos;
    while (m_pos < m_sql.size() && is_identifier_char(m_sql[m_pos])) ++m_pos;
    const std::string_view text = m_sql.substr(begin, m_pos - begin);
    if ((text == "E" || text == "e") && at(m_pos) == '\'') return skip_string(true);
    const std::string word = lower(text);
    if (m_words.size() < m_words_kept) {
      m_words.push_back(word);
      m_in_routine = m_in_routine || creates_routine();
    }
    if (!m_in_routine || m_paren_depth != 0) return;
    if (word == "begin") {
      ++m_begin_depth;
    } else if (word == "case") {
      if (m_begin_depth > 0) ++m_begin_depth;
    } else if (word == "end") {
      if (m_begin_depth > 0) --m_begin_depth;
    }
  }

  // CREATE [OR REPLACE] {FUNCTION|PROCEDURE}, and with trigger_bodies
  // CREATE [TEMP|TEMPORARY] TRIGGER, whose SQLite body is BEGIN … END.
  bool creates_routine() const {
    auto is = [&](std::size_t at, std::string_view w) { return at < m_words.size() && m_words[at] == w; };
    if (!is(0, "create")) return false;
    if (m_options.trigger_bodies && (is(1, "trigger") || ((is(1, "temp") || is(1, "temporary")) && is(2, "trigger")))) {
      return true;
    }
    const std::size_t i = is(1, "or") && is(2, "replace") ? 3 : 1;
    return is(i, "function") || is(i, "procedure");
  }

  static constexpr std::size_t m_words_kept = 4;

  std::string_view m_sql;
  LexerOptions m_options;
  std::size_t m_pos = 0;
  std::size_t m_start = 0;
  std::size_t m_line = 1;
  std::size_t m_first_token_line = 1;
  bool m_has_content = false;
  int m_paren_depth = 0;
  int m_begin_depth = 0;
  std::vector<std::string> m_words;
  bool m_in_routine = false;
  std::vector<Statement> m_statements;
};

// The words that can start a transaction-control statement.
bool is_transaction_word(std::string_view word) {
  constexpr std::string_view k_words[] = {"begin", "start", "commit", "end", "rollback", "abort", "prepare"};
  for (std::string_view candidate : k_words) {
    if (word.size() == candidate.size() && lower(word) == candidate) return true;
  }
  return false;
}

// The quick test that spares most files the full split: whether any of those words
// stands anywhere as a whole word, comments and strings included.
bool has_transaction_word(std::string_view sql) {
  std::size_t pos = 0;
  while (pos < sql.size()) {
    if (!is_identifier_start(sql[pos])) {
      ++pos;
      continue;
    }
    const std::size_t begin = pos;
    while (pos < sql.size() && is_identifier_char(sql[pos])) ++pos;
    const std::size_t length = pos - begin;
    if (length >= 3 && length <= 8 && (begin == 0 || !is_identifier_char(sql[begin - 1])) &&
        is_transaction_word(sql.substr(begin, length))) {
      return true;
    }
  }
  return false;
}

// The first words of a statement piece (lower case), after its leading white space and
// comments, up to `count` of them; stops at anything that is not a word.
std::vector<std::string> first_words(std::string_view text, std::size_t count) {
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < text.size() && words.size() < count) {
    const char c = text[pos];
    if (is_space(c)) {
      ++pos;
    } else if (text.compare(pos, 2, "--") == 0) {
      pos = text.find('\n', pos);
      if (pos == std::string_view::npos) break;
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
    } else if (is_identifier_start(c)) {
      const std::size_t begin = pos;
      while (pos < text.size() && is_identifier_char(text[pos])) ++pos;
      words.push_back(lower(text.substr(begin, pos - begin)));
    } else {
      break;
    }
  }
  return words;
}

// The key words naming a statement that ends or starts a transaction, or "" for any other.
std::string transaction_control_keyword(const std::vector<std::string>& words) {
  if (words.empty()) return {};
  const std::string& first = words[0];
  auto upper = [](std::string word) {
    for (char& c : word) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    return word;
  };
  if (first == "begin" || first == "commit" || first == "end" || first == "abort") return upper(first);
  if ((first == "start" || first == "prepare") && words.size() > 1 && words[1] == "transaction") {
    return upper(first) + " TRANSACTION";
  }
  if (first == "rollback") {
    // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name stays inside the transaction.
    const std::size_t next = words.size() > 1 && (words[1] == "work" || words[1] == "transaction") ? 2 : 1;
    return next < words.size() && words[next] == "to" ? std::string() : "ROLLBACK";
  }
  return {};
}

}  // namespace

std::vector<Statement> split_statements(std::string_view sql) { return Lexer(sql).split(); }

std::optional<TransactionControl> find_transaction_control(std::string_view sql, Dialect dialect) {
  if (!has_transaction_word(sql)) return std::nullopt;
  LexerOptions options;
  options.trigger_bodies = true;
  options.sqlite_quotes = dialect == Dialect::sqlite;
  for (const Statement& statement : Lexer(sql, options).split()) {
    if (statement.blank) continue;
    std::string keyword = transaction_control_keyword(first_words(statement.text, 3));
    if (!keyword.empty()) return TransactionControl{std::move(keyword), statement.first_token_line};
  }
  return std::nullopt;
}

}  // namespace migrate::source
