// The PostgreSQL connection's shared helpers, internal to db/: session timeout settings
// and the translation of libpqxx's server errors into migrate's wording.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "migrate/model/revision.hpp"

namespace migrate::db {

/// "SET LOCAL lock_timeout = '5000ms';" for each limit that is set (LOCAL: for this
/// transaction only; `scope` "" for the session).
std::string timeout_settings(const Timeouts& timeouts, std::string_view scope);

/// The "LINE n:" libpq puts in a server error that has a position: n counts the lines of
/// the whole query sent; 0 when the error has no position.
std::size_t error_line(const std::string& text);

/// "syntax error at or near "x" (line 3)": the first line of a server error, without the
/// "ERROR:" tag, with the line number libpq reports for the statement position, counted
/// from `first_line` of the query sent (a revision's first line within a batch). A line
/// past `last_line` (the revision's last) is in migrate's own statements: never blamed on
/// the file.
std::string describe(const pqxx::sql_error& e, std::size_t first_line = 1, std::size_t last_line = std::string::npos);

/// A scalar subquery giving the column names of the table `regclass_text` (an SQL text
/// expression) names, comma-separated in column order; NULL when there is no such table.
std::string history_columns_query(const std::string& regclass_text);

/// A statement cancelled by our own interrupt handler (SQLSTATE 57014 is also what a
/// statement_timeout gives): throws Interrupted.
void throw_if_interrupted(const pqxx::sql_error& e);

}  // namespace migrate::db
