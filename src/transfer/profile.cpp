// Profiles a transfer's source by streaming each table once and counting; see profile.hpp.
#include "migrate/transfer/profile.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "migrate/transfer/convert.hpp"
#include "migrate/transfer/mapping.hpp"

namespace migrate::transfer {

namespace {

bool digits(std::string_view text, std::size_t from, std::size_t count) {
  if (from + count > text.size()) return false;
  for (std::size_t i = from; i < from + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

int number(std::string_view text, std::size_t from, std::size_t count) {
  int value = 0;
  for (std::size_t i = from; i < from + count; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

std::optional<std::int64_t> parse_integer(const std::string& text) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size()) return std::nullopt;
  return static_cast<std::int64_t>(value);
}

// An address with an optional "/prefix" of at most max_prefix bits.
bool is_address(std::string_view text, int family, int max_prefix) {
  const std::size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  if (slash != std::string_view::npos) {
    const std::string_view prefix = text.substr(slash + 1);
    if (prefix.empty() || prefix.size() > 3 || !digits(prefix, 0, prefix.size()) ||
        number(prefix, 0, prefix.size()) > max_prefix) {
      return false;
    }
  }
  unsigned char buffer[16];
  return inet_pton(family, address.c_str(), buffer) == 1;
}

// The kind a PostgreSQL value would have had in SQLite, from the column's declared type.
db::CellKind postgres_kind(const std::string& declared_type) {
  switch (categorize(declared_type)) {
    case TypeCategory::boolean:
    case TypeCategory::integer: return db::CellKind::integer;
    case TypeCategory::numeric: return db::CellKind::real;
    case TypeCategory::bytea: return db::CellKind::blob;
    default: return db::CellKind::text;
  }
}

std::string quote_name(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string show(const db::Cell& cell) { return cell.kind == db::CellKind::null ? "NULL" : cell.text; }

std::string plural(std::int64_t count, const std::string& one, const std::string& many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

void read_defaults(db::DataConnection& connection, TableProfile& profile) {
  const std::string sql =
      connection.dialect() == Dialect::sqlite
          ? "SELECT name, dflt_value FROM pragma_table_xinfo(" + connection.quote(profile.name) +
                ") WHERE dflt_value IS NOT NULL"
          : "SELECT column_name, column_default FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = " +
                connection.quote(profile.name) + " AND column_default IS NOT NULL";
  for (const db::Row& row : connection.query(sql)) {
    for (ColumnProfile& column : profile.columns) {
      if (column.name == row[0].text) column.default_sql = row[1].text;
    }
  }
}

// SQLite keeps the UNIQUE constraints of CREATE TABLE as automatic indexes without SQL.
void read_unique_constraints(db::DataConnection& connection, TableProfile& profile) {
  if (connection.dialect() != Dialect::sqlite) return;
  for (const db::Row& index : connection.query("SELECT name FROM pragma_index_list(" + connection.quote(profile.name) +
                                               ") WHERE origin = 'u' ORDER BY name")) {
    std::vector<std::string> columns;
    for (const db::Row& column : connection.query("SELECT name FROM pragma_index_info(" +
                                                  connection.quote(index[0].text) + ") ORDER BY seqno")) {
      columns.push_back(column[0].text);
    }
    profile.unique_constraints.push_back(std::move(columns));
  }
}

void find_duplicate_keys(db::DataConnection& connection, const db::TableInfo& table, TableProfile& profile) {
  std::vector<std::string> key;
  for (const std::string& column : table.primary_key) key.push_back(quote_name(column));
  const std::string groups = "SELECT " + join(key, ", ") + ", count(*) FROM " + quote_name(table.name) + " GROUP BY " +
                             join(key, ", ") + " HAVING count(*) > 1";
  const std::vector<db::Row> total = connection.query("SELECT count(*) FROM (" + groups + ") AS duplicates");
  const std::int64_t count = total.empty() ? 0 : parse_integer(total[0][0].text).value_or(0);
  if (count == 0) return;
  ProfileProblem problem;
  problem.kind = ProfileProblemKind::duplicate_key;
  problem.column = join(table.primary_key, ", ");
  problem.count = count;
  for (const db::Row& row :
       connection.query(groups + " ORDER BY " + join(key, ", ") + " LIMIT " + std::to_string(k_profile_examples))) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < key.size(); ++i) parts.push_back(table.primary_key[i] + "=" + show(row[i]));
    problem.examples.push_back(join(parts, ", ") + " (" + row.back().text + " rows)");
  }
  problem.message = plural(count, "primary-key value is", "primary-key values are") + " held by more than one row (" +
                    join(problem.examples, "; ") + "): remove or renumber the duplicates in the source first";
  profile.problems.push_back(std::move(problem));
}

void add_column_problems(const db::TableInfo& table, TableProfile& profile) {
  for (const ColumnProfile& column : profile.columns) {
    const bool in_key =
        std::find(table.primary_key.begin(), table.primary_key.end(), column.name) != table.primary_key.end();
    if (in_key && column.nulls > 0) {
      profile.problems.push_back({ProfileProblemKind::null_in_key,
                                  column.name,
                                  column.nulls,
                                  {},
                                  "primary-key column " + column.name + " holds NULL in " +
                                      plural(column.nulls, "row", "rows") +
                                      ": PostgreSQL refuses NULL keys; give those rows a key first"});
    }
    // "Mostly JSON": JSON objects and arrays are more than half of the non-null values.
    if (column.json * 2 > column.non_null && column.not_json > 0) {
      profile.problems.push_back(
          {ProfileProblemKind::invalid_json, column.name, column.not_json, column.not_json_rows,
           "column " + column.name + " holds JSON, but " + plural(column.not_json, "value is", "values are") +
               " not valid JSON (" + join(column.not_json_rows, "; ") +
               "): fix them, or keep the column as text (types = { " + column.name + " = \"text\" })"});
    }
    // Integers and reals are both numbers: only numbers beside text, or blobs beside
    // anything else, cannot share one PostgreSQL type.
    const bool numbers = column.integers + column.reals > 0;
    if ((numbers && column.texts > 0) || (column.blobs > 0 && column.blobs < column.non_null)) {
      std::vector<std::string> kinds;
      if (column.integers > 0) kinds.push_back(plural(column.integers, "integer", "integers"));
      if (column.reals > 0) kinds.push_back(plural(column.reals, "real", "reals"));
      if (column.texts > 0) kinds.push_back(plural(column.texts, "text", "texts"));
      if (column.blobs > 0) kinds.push_back(plural(column.blobs, "blob", "blobs"));
      profile.problems.push_back({ProfileProblemKind::mixed_kinds,
                                  column.name,
                                  column.non_null,
                                  {},
                                  "column " + column.name + " mixes kinds of values (" + join(kinds, ", ") +
                                      "): it can only become text unless the source is cleaned first"});
    }
  }
}

}  // namespace

int ColumnProfile::kinds() const {
  return (integers > 0 ? 1 : 0) + (reals > 0 ? 1 : 0) + (texts > 0 ? 1 : 0) + (blobs > 0 ? 1 : 0);
}

std::string_view to_string(ProfileProblemKind kind) noexcept {
  switch (kind) {
    case ProfileProblemKind::no_primary_key: return "no_primary_key";
    case ProfileProblemKind::duplicate_key: return "duplicate_key";
    case ProfileProblemKind::null_in_key: return "null_in_key";
    case ProfileProblemKind::invalid_json: return "invalid_json";
    case ProfileProblemKind::mixed_kinds: return "mixed_kinds";
  }
  return "unknown";
}

const ColumnProfile* TableProfile::column(std::string_view column_name) const {
  for (const ColumnProfile& column : columns) {
    if (column.name == column_name) return &column;
  }
  return nullptr;
}

const TableProfile* SourceProfile::table(std::string_view table_name) const {
  for (const TableProfile& table : tables) {
    if (table.name == table_name) return &table;
  }
  return nullptr;
}

bool is_uuid_text(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

bool is_ipv4_text(std::string_view text) {
  return text.find(':') == std::string_view::npos && is_address(text, AF_INET, 32);
}

bool is_ipv6_text(std::string_view text) {
  return text.find(':') != std::string_view::npos && is_address(text, AF_INET6, 128);
}

int iso_8601_kind(std::string_view text) {
  if (text.size() < 10 || !digits(text, 0, 4) || text[4] != '-' || !digits(text, 5, 2) || text[7] != '-' ||
      !digits(text, 8, 2)) {
    return 0;
  }
  const int month = number(text, 5, 2);
  const int day = number(text, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31) return 0;
  if (text.size() == 10) return 1;
  if ((text[10] != 'T' && text[10] != ' ') || !digits(text, 11, 2) || text.size() < 16 || text[13] != ':' ||
      !digits(text, 14, 2) || number(text, 11, 2) > 23 || number(text, 14, 2) > 59) {
    return 0;
  }
  std::size_t i = 16;
  if (i < text.size() && text[i] == ':') {
    if (!digits(text, i + 1, 2) || number(text, i + 1, 2) > 60) return 0;
    i += 3;
    if (i < text.size() && text[i] == '.') {
      ++i;
      const std::size_t start = i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
      if (i == start) return 0;
    }
  }
  if (i == text.size()) return 2;
  if ((text[i] == 'Z' || text[i] == 'z') && i + 1 == text.size()) return 2;
  if (text[i] != '+' && text[i] != '-') return 0;
  const std::string_view zone = text.substr(i + 1);
  if (zone.size() == 2 && digits(zone, 0, 2)) return 2;
  if (zone.size() == 4 && digits(zone, 0, 4)) return 2;
  if (zone.size() == 5 && digits(zone, 0, 2) && zone[2] == ':' && digits(zone, 3, 2)) return 2;
  return 0;
}

bool count_value(ColumnProfile& column, const db::Cell& cell) {
  switch (cell.kind) {
    case db::CellKind::null: ++column.nulls; return false;
    case db::CellKind::integer: {
      ++column.non_null;
      ++column.integers;
      const std::optional<std::int64_t> value = parse_integer(cell.text);
      if (!value) return false;
      if (*value == 0 || *value == 1) ++column.zero_one;
      if (*value >= k_epoch_seconds_min && *value <= k_epoch_seconds_max) ++column.epoch_seconds;
      if (*value >= k_epoch_millis_min && *value <= k_epoch_millis_max) ++column.epoch_millis;
      return false;
    }
    case db::CellKind::real:
      ++column.non_null;
      ++column.reals;
      return false;
    case db::CellKind::blob:
      ++column.non_null;
      ++column.blobs;
      return false;
    case db::CellKind::text: break;
  }
  ++column.non_null;
  ++column.texts;
  const std::string& text = cell.text;
  std::size_t first = 0;
  while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
  const bool container = first < text.size() && (text[first] == '{' || text[first] == '[');
  bool example = false;
  if (is_json(text)) {
    ++(container ? column.json : column.json_scalars);
  } else {
    ++column.not_json;
    example = column.not_json_rows.size() < k_profile_examples;
  }
  if (container) return example;
  if (is_uuid_text(text)) {
    ++column.uuids;
  } else if (is_ipv4_text(text)) {
    ++column.ipv4;
  } else if (is_ipv6_text(text)) {
    ++column.ipv6;
  } else if (const int iso = iso_8601_kind(text)) {
    ++(iso == 1 ? column.iso_dates : column.iso_timestamps);
  }
  return example;
}

TableProfile profile_table(db::DataConnection& connection, const db::TableInfo& table, std::int64_t sample) {
  const bool postgres = connection.dialect() == Dialect::postgres;
  TableProfile profile;
  profile.name = table.name;
  std::vector<db::CellKind> kinds;  // PostgreSQL: the kind each column's text stands for
  std::vector<bool> booleans;
  std::vector<std::size_t> key;  // positions of the primary-key columns
  db::Scan scan;
  scan.table = table.name;
  for (const db::ColumnInfo& info : table.columns) {
    ColumnProfile column;
    column.name = info.name;
    column.declared_type = info.declared_type;
    profile.columns.push_back(std::move(column));
    kinds.push_back(postgres_kind(info.declared_type));
    booleans.push_back(categorize(info.declared_type) == TypeCategory::boolean);
    scan.columns.push_back(info.name);
  }
  std::vector<std::string> order;
  for (const std::string& name : table.primary_key) {
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      if (table.columns[i].name == name) key.push_back(i);
    }
    order.push_back(quote_name(name));
  }
  if (order.empty() && !postgres) order.push_back("rowid");
  scan.order_by = join(order, ", ");
  // Scan has no LIMIT of its own; both dialects end the query with the ORDER BY text.
  if (sample > 0 && !scan.order_by.empty()) scan.order_by += " LIMIT " + std::to_string(sample);

  if (!table.columns.empty()) {
    auto cursor = connection.scan(scan);
    db::Row row;
    db::Cell cell;
    while ((sample <= 0 || profile.rows_profiled < sample) && cursor->next(row)) {
      ++profile.rows_profiled;
      for (std::size_t c = 0; c < row.size() && c < profile.columns.size(); ++c) {
        const db::Cell* value = &row[c];
        if (postgres && value->kind != db::CellKind::null) {
          cell.kind = kinds[c];
          cell.text = booleans[c] ? (value->text == "t" ? "1" : "0") : value->text;
          value = &cell;
        }
        if (!count_value(profile.columns[c], *value)) continue;
        std::vector<std::string> parts;
        for (std::size_t k : key) parts.push_back(table.columns[k].name + "=" + show(row[k]));
        profile.columns[c].not_json_rows.push_back(parts.empty() ? "row " + std::to_string(profile.rows_profiled)
                                                                 : join(parts, ", "));
      }
    }
  }
  profile.rows = profile.rows_profiled;
  if (sample > 0 && profile.rows_profiled >= sample) {
    const std::vector<db::Row> count = connection.query("SELECT count(*) FROM " + quote_name(table.name));
    if (!count.empty()) profile.rows = parse_integer(count[0][0].text).value_or(profile.rows_profiled);
  }

  read_defaults(connection, profile);
  read_unique_constraints(connection, profile);
  if (table.primary_key.empty()) {
    profile.problems.push_back({ProfileProblemKind::no_primary_key,
                                "",
                                profile.rows,
                                {},
                                "table " + table.name +
                                    " has no primary key: a copy cannot be resumed by key nor upserted; give it one, "
                                    "or copy it whole into an empty table"});
  } else {
    find_duplicate_keys(connection, table, profile);
  }
  add_column_problems(table, profile);
  return profile;
}

SourceProfile profile_source(db::DataConnection& connection, std::int64_t sample) {
  SourceProfile profile;
  profile.dialect = connection.dialect();
  for (const db::TableInfo& table : connection.tables())
    profile.tables.push_back(profile_table(connection, table, sample));
  return profile;
}

}  // namespace migrate::transfer
