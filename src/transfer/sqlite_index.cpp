// Reads SQLite's CREATE INDEX statements and writes them again for PostgreSQL; see
// sqlite_index.hpp and schema_convert.hpp (translate_index).
#include "transfer/sqlite_index.hpp"

#include <cctype>

#include "migrate/transfer/schema_convert.hpp"

namespace migrate::transfer {

namespace {

struct Token {
  enum Kind { word, name, string, symbol } kind = symbol;
  std::string text;  ///< a word upper-cased; a quoted name unquoted; a string with its quotes
};

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// SQLite's tokens: bare words, "quoted", `quoted` and [quoted] names, 'strings', symbols.
// Returns false on text it cannot split (an unterminated quote).
bool tokenize(const std::string& sql, std::vector<Token>& tokens) {
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
      const std::size_t start = i;
      while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_' || sql[i] == '$'))
        ++i;
      tokens.push_back({Token::word, sql.substr(start, i - start)});
    } else if (c == '"' || c == '`' || c == '[' || c == '\'') {
      const char close = c == '[' ? ']' : c;
      std::string text;
      ++i;
      for (;;) {
        if (i >= sql.size()) return false;
        if (sql[i] == close) {
          if (close != ']' && i + 1 < sql.size() && sql[i + 1] == close) {
            text += close;
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        text += sql[i++];
      }
      if (c == '\'') {
        tokens.push_back({Token::string, text});
      } else {
        tokens.push_back({Token::name, text});
      }
    } else {
      tokens.push_back({Token::symbol, std::string(1, c)});
      ++i;
    }
  }
  return true;
}

bool is_word(const Token& token, const char* word) { return token.kind == Token::word && upper(token.text) == word; }

bool is_name(const Token& token) { return token.kind == Token::word || token.kind == Token::name; }

// A name token's text: a bare word as written (SQLite names are case-insensitive, the
// catalog keeps the case of CREATE TABLE; schema_convert matches case-insensitively).
std::string name_of(const Token& token) { return token.text; }

SqliteIndex refuse(SqliteIndex index, std::string why) {
  index.portable = false;
  index.why = std::move(why);
  return index;
}

}  // namespace

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

SqliteIndex parse_sqlite_index(const std::string& sql) {
  SqliteIndex index;
  std::vector<Token> tokens;
  if (!tokenize(sql, tokens)) return refuse(index, "its SQL could not be read");
  while (!tokens.empty() && tokens.back().kind == Token::symbol && tokens.back().text == ";") tokens.pop_back();
  std::size_t i = 0;
  auto at = [&](std::size_t k) -> const Token& {
    static const Token k_end{Token::symbol, ""};
    return k < tokens.size() ? tokens[k] : k_end;
  };
  if (!is_word(at(i), "CREATE")) return refuse(index, "it is not a CREATE INDEX statement");
  ++i;
  if (is_word(at(i), "UNIQUE")) {
    index.unique = true;
    ++i;
  }
  if (!is_word(at(i), "INDEX")) return refuse(index, "it is not a CREATE INDEX statement");
  ++i;
  if (is_word(at(i), "IF") && is_word(at(i + 1), "NOT") && is_word(at(i + 2), "EXISTS")) i += 3;
  if (!is_name(at(i))) return refuse(index, "its name could not be read");
  index.name = name_of(at(i++));
  if (at(i).text == "." && is_name(at(i + 1))) {  // schema.name
    index.name = name_of(at(i + 1));
    i += 2;
  }
  if (!is_word(at(i), "ON") || !is_name(at(i + 1))) return refuse(index, "its table could not be read");
  index.table = name_of(at(i + 1));
  i += 2;
  if (at(i).text != "(") return refuse(index, "its columns could not be read");
  ++i;
  for (;;) {
    // One indexed column: a name, then optionally COLLATE x and ASC/DESC.
    if (!is_name(at(i)) || at(i + 1).text == "(") return refuse(index, "it indexes an expression");
    std::string column = name_of(at(i++));
    if (is_word(at(i), "COLLATE")) {
      if (!is_word(at(i + 1), "BINARY")) return refuse(index, "it uses COLLATE " + at(i + 1).text);
      i += 2;
    }
    std::string order;
    if (is_word(at(i), "ASC") || is_word(at(i), "DESC")) order = upper(at(i++).text);
    index.columns.emplace_back(std::move(column), std::move(order));
    if (at(i).text == ",") {
      ++i;
      continue;
    }
    if (at(i).text == ")") {
      ++i;
      break;
    }
    return refuse(index, "it indexes an expression");
  }
  if (i < tokens.size()) {
    if (!is_word(at(i), "WHERE")) return refuse(index, "it ends in text that could not be read");
    ++i;
    for (;;) {
      if (!is_name(at(i))) return refuse(index, "its WHERE clause is not portable");
      const std::string column = name_of(at(i++));
      if (is_word(at(i), "IS") && is_word(at(i + 1), "NOT") && is_word(at(i + 2), "NULL")) {
        index.where.emplace_back(column, "IS NOT NULL");
        i += 3;
      } else if (is_word(at(i), "NOTNULL") || (is_word(at(i), "NOT") && is_word(at(i + 1), "NULL"))) {
        index.where.emplace_back(column, "IS NOT NULL");
        i += is_word(at(i), "NOTNULL") ? 1 : 2;
      } else if ((is_word(at(i), "IS") && is_word(at(i + 1), "NULL")) || is_word(at(i), "ISNULL")) {
        index.where.emplace_back(column, "IS NULL");
        i += is_word(at(i), "ISNULL") ? 1 : 2;
      } else {
        return refuse(index, "its WHERE clause is not portable");
      }
      if (i == tokens.size()) break;
      if (!is_word(at(i), "AND")) return refuse(index, "its WHERE clause is not portable");
      ++i;
    }
  }
  index.portable = true;
  return index;
}

std::string translate_index(const std::string& sqlite_sql, const std::string& target_table,
                            const std::vector<std::pair<std::string, std::string>>& rename) {
  const SqliteIndex index = parse_sqlite_index(sqlite_sql);
  std::string flat = sqlite_sql;
  for (char& c : flat) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (!index.portable) return "-- left out: " + flat + " (" + index.why + ")";
  auto target_of = [&](const std::string& column, std::string& out) {
    for (const auto& [from, to] : rename) {
      if (upper(from) == upper(column)) {
        out = to;
        return true;
      }
    }
    return false;
  };
  std::string columns;
  for (const auto& [column, order] : index.columns) {
    std::string target;
    if (!target_of(column, target)) return "-- left out: " + flat + " (column " + column + " is not carried over)";
    columns += (columns.empty() ? "" : ", ") + quote_identifier(target) + (order.empty() ? "" : " " + order);
  }
  std::string where;
  for (const auto& [column, test] : index.where) {
    std::string target;
    if (!target_of(column, target)) return "-- left out: " + flat + " (column " + column + " is not carried over)";
    where += (where.empty() ? " WHERE " : " AND ") + quote_identifier(target) + " " + test;
  }
  return std::string("CREATE ") + (index.unique ? "UNIQUE " : "") + "INDEX " + quote_identifier(index.name) + " ON " +
         quote_identifier(target_table) + " (" + columns + ")" + where + ";";
}

}  // namespace migrate::transfer
