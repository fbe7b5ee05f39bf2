// Splits a SQL script into statements the way psql does, for revisions that run outside
// a transaction one statement at a time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/model/dialect.hpp"

namespace migrate::source {

/// One piece of a script: a statement with its terminating ';' (absent for a final
/// statement without one), preceded by whatever whitespace and comments led up to it.
struct Statement {
  std::string_view text;  ///< a view into the script given to split_statements
  std::size_t line = 1;   ///< the script line on which `text` starts (1-based)
  std::size_t first_token_line = 1;  ///< the line of the statement's first token (`line` when blank)
  bool blank = false;     ///< only whitespace and comments: nothing to send to the server
};

/// Cuts PostgreSQL sql at every ';' that ends a statement: not inside a '…' or E'…'
/// string (continued across lines or not), a "quoted identifier", a -- or nested /* */
/// comment, a $tag$ dollar-quoted body, parentheses, or the BEGIN ATOMIC … END body of a
/// CREATE FUNCTION/PROCEDURE. Whatever follows the last ';' becomes a final piece. The
/// pieces cover sql exactly: concatenating their texts gives back sql. An unterminated
/// string, identifier, comment or dollar quote runs to the end of sql. (SQLite scripts
/// are split by SQLite's own parser; see the SQLite driver.)
std::vector<Statement> split_statements(std::string_view sql);

/// A top-level statement that starts or ends a transaction.
struct TransactionControl {
  std::string keyword;   ///< upper case, as it starts the statement: "COMMIT", "START TRANSACTION"
  std::size_t line = 1;  ///< the line of its first token (1-based)
};

/// The first top-level BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK (but not ROLLBACK
/// TO a savepoint), ABORT or PREPARE TRANSACTION of sql: a statement that would end the
/// transaction a revision runs in. SAVEPOINT, RELEASE and ROLLBACK TO stay inside it and
/// pass. Not top level, and so passing: the BEGIN ATOMIC … END body of a routine, the
/// BEGIN … END body of a CREATE TRIGGER (SQLite), dollar-quoted bodies, CASE … END,
/// strings, quoted identifiers and comments; for dialect sqlite, `…` and […] quote
/// identifiers too. As in the splitter, an unquoted column named begin, case or end
/// inside such a body is taken for the key word. A script without any of these words
/// is answered without being split.
std::optional<TransactionControl> find_transaction_control(std::string_view sql, Dialect dialect);

}  // namespace migrate::source
