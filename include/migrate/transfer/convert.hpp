// Converting a source value into the text PostgreSQL's COPY reads for a target column:
// 0/1 into booleans, epoch seconds or milliseconds into timestamps, blobs into bytea, and
// the spec's value maps first. The same conversion feeds the copy, `check` and `validate`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "migrate/db/data_connection.hpp"
#include "migrate/transfer/mapping.hpp"

namespace migrate::transfer {

/// Appends the COPY text field of cell for column (escaped; \N for NULL).
void append_field(std::string& line, const db::Cell& cell, const ColumnMapping& column);

/// The value cell becomes in column, as the target reads it (unescaped); nullopt for NULL.
std::optional<std::string> converted_text(const db::Cell& cell, const ColumnMapping& column);

/// Appends a whole row of source values as one COPY line (with its newline).
void append_row(std::string& data, const db::Row& source, const TableMapping& table);

/// Why cell cannot become a value of column's type ("not valid JSON", "2 is not 0 or 1"),
/// or nullopt when it converts. Checks what the copy would otherwise learn from the server
/// one refused chunk at a time.
std::optional<std::string> conversion_problem(const db::Cell& cell, const ColumnMapping& column);

/// "2024-05-01 12:00:00+00" (UTC; fractional digits only when there are milliseconds) for an
/// epoch value: milliseconds when |value| >= 10^11 (after 1973 in ms, after 5138 in s).
std::string format_epoch(std::int64_t value);

/// Whether text is one JSON value (RFC 8259; what jsonb accepts).
bool is_json(const std::string& text);

}  // namespace migrate::transfer
