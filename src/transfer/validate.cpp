// Compares a transfer's source and target row by row through the target's types; see
// validate.hpp.
#include "migrate/transfer/validate.hpp"

#include <algorithm>
#include <functional>

#include "migrate/transfer/convert.hpp"
#include "migrate/util/interrupt.hpp"
#include "transfer/derived.hpp"

namespace migrate::transfer {

namespace {

constexpr std::size_t k_reported = 10;
constexpr const char* k_check_table = "migrate_validate";

std::string join_columns(db::DataConnection& target, const TableMapping& table, const std::string& prefix,
                         bool key_only) {
  std::string out;
  for (const ColumnMapping& column : table.columns) {
    const bool key = std::find(table.target_key.begin(), table.target_key.end(), column.target) != table.target_key.end();
    if (key_only && !key) continue;
    out += (out.empty() ? "" : ", ") + prefix + target.quote_name(column.target);
  }
  return out;
}

std::int64_t count_of(db::DataConnection& connection, const std::string& sql) {
  return std::stoll(connection.query(sql)[0][0].text);
}

bool has_key(const TableMapping& table) { return !table.target_key.empty() && table.key_columns.size() == table.target_key.size(); }

// Compares the rows loaded into the check table with the target; adds to check.
void compare_range(db::DataConnection& target, const TableMapping& table, TableCheck& check,
                   std::int64_t first_row, std::int64_t last_row) {
  const std::string target_name = target.quote_name(table.target);
  const std::string keys = join_columns(target, table, "", true);
  std::string join;
  for (const std::string& key : table.target_key) {
    const std::string name = target.quote_name(key);
    join += (join.empty() ? "" : " AND ") + std::string("s.") + name + " = t." + name;
  }
  const std::string first_key = "t." + target.quote_name(table.target_key.front());
  const std::string differs = "ROW(" + join_columns(target, table, "s.", false) + ") IS DISTINCT FROM ROW(" +
                              join_columns(target, table, "t.", false) + ")";
  const auto counts = target.query("SELECT count(*) FILTER (WHERE " + first_key + " IS NULL), count(*) FILTER (WHERE " +
                                   first_key + " IS NOT NULL AND " + differs + ") FROM " + k_check_table + " s LEFT JOIN " +
                                   target_name + " t ON " + join);
  const std::int64_t missing = std::stoll(counts[0][0].text);
  const std::int64_t different = std::stoll(counts[0][1].text);
  if (missing == 0 && different == 0) return;
  check.missing += missing;
  if (table.on_conflict == config::OnConflict::skip) {
    check.kept += different;
  } else {
    check.different += different;
  }
  if (missing == 0 && table.on_conflict == config::OnConflict::skip) return;
  if (check.mismatches.size() >= k_reported) return;
  check.mismatches.push_back("source rows " + std::to_string(first_row) + "-" + std::to_string(last_row) + ": " +
                             std::to_string(missing) + " missing, " + std::to_string(different) + " different");
  for (const db::Row& row : target.query(
           "SELECT concat_ws(', ', " + join_columns(target, table, "s.", true) + "), " + first_key +
           " IS NULL FROM " + k_check_table + " s LEFT JOIN " + target_name + " t ON " + join + " WHERE " + first_key +
           " IS NULL OR " + differs + " LIMIT " + std::to_string(k_reported - check.mismatches.size()))) {
    check.mismatches.push_back("  " + table.target + " (" + keys + ") = (" + row[0].text + "): " +
                               (row[1].text == "t" ? "missing" : "different"));
  }
}

// Hands on_row every row of the table's source: the source table's rows in the copy's
// order, or the rows its transfer step makes.
void each_source_row(db::DataConnection& source, const TableMapping& table,
                     const std::function<void(const db::Row&)>& on_row) {
  if (!table.derived_step.empty()) {
    derive_rows(source, table, on_row);
    return;
  }
  auto cursor = source.scan({table.source, table.source_columns, table.order_by, {}, 0});
  db::Row row;
  while (cursor->next(row)) on_row(row);
}

TableCheck validate_table(db::DataConnection& source, db::DataConnection& target, const TableMapping& table,
                          int range) {
  TableCheck check;
  check.source = table.source;
  check.target = table.target;
  // A derived table's source rows are counted as its step makes them.
  if (table.derived_step.empty()) {
    check.source_rows = count_of(source, "SELECT count(*) FROM " + source.quote_name(table.source));
  }
  check.target_rows = count_of(target, "SELECT count(*) FROM " + target.quote_name(table.target));
  const std::string columns = join_columns(target, table, "", false);
  target.execute("DROP TABLE IF EXISTS pg_temp." + std::string(k_check_table) + "; CREATE TEMP TABLE " +
                 k_check_table + " AS SELECT " + columns + " FROM " + target.quote_name(table.target) + " LIMIT 0");
  if (!has_key(table)) {
    // No key: the rows as a multiset, both ways.
    std::string data;
    std::int64_t loaded = 0;
    each_source_row(source, table, [&](const db::Row& row) {
      append_row(data, row, table);
      if (++loaded % range == 0) {
        target.copy_in(k_check_table, columns, data);
        data.clear();
      }
    });
    if (!data.empty()) target.copy_in(k_check_table, columns, data);
    check.compared = loaded;
    if (!table.derived_step.empty()) check.source_rows = loaded;
    check.missing = count_of(target, "SELECT count(*) FROM (SELECT * FROM " + std::string(k_check_table) +
                                         " EXCEPT ALL SELECT " + columns + " FROM " + target.quote_name(table.target) + ") x");
    if (check.missing > 0) {
      check.mismatches.push_back(std::to_string(check.missing) + " source rows have no equal row in " + table.target +
                                 " (a table without a key is compared as a whole)");
    }
    return check;
  }
  std::string data;
  std::int64_t read = 0;
  std::int64_t range_start = 1;
  std::int64_t in_range = 0;
  auto flush = [&] {
    if (in_range == 0) return;
    util::throw_if_interrupted();
    target.execute("TRUNCATE " + std::string(k_check_table));
    target.copy_in(k_check_table, columns, data);
    compare_range(target, table, check, range_start, read);
    data.clear();
    in_range = 0;
    range_start = read + 1;
  };
  each_source_row(source, table, [&](const db::Row& row) {
    ++read;
    for (int index : table.key_columns) {
      const ColumnMapping& column = table.columns[static_cast<std::size_t>(index)];
      if (column.source >= 0 && row[static_cast<std::size_t>(column.source)].kind == db::CellKind::null) {
        return;  // the copy skipped it too, with a warning
      }
    }
    append_row(data, row, table);
    ++check.compared;
    if (++in_range == range) flush();
  });
  flush();
  if (!table.derived_step.empty()) check.source_rows = read;
  return check;
}

// Target rows whose foreign key (all columns non-null) finds no parent row.
std::int64_t orphans(db::DataConnection& target, const db::TableInfo& table) {
  std::int64_t total = 0;
  for (const db::ForeignKey& key : table.foreign_keys) {
    std::string not_null;
    std::string match;
    for (std::size_t i = 0; i < key.columns.size(); ++i) {
      const std::string child = "c." + target.quote_name(key.columns[i]);
      not_null += (not_null.empty() ? "" : " AND ") + child + " IS NOT NULL";
      match += (match.empty() ? "" : " AND ") + std::string("p.") + target.quote_name(key.referenced_columns[i]) + " = " + child;
    }
    total += count_of(target, "SELECT count(*) FROM " + target.quote_name(table.name) + " c WHERE " + not_null +
                                  " AND NOT EXISTS (SELECT 1 FROM " + target.quote_name(key.references) + " p WHERE " +
                                  match + ")");
  }
  return total;
}

}  // namespace

std::vector<TableCheck> validate_tables(db::DataConnection& source, db::DataConnection& target,
                                        const Mapping& mapping, int range) {
  std::vector<TableCheck> out;
  const std::vector<db::TableInfo> target_tables = target.tables();
  target.begin();
  try {
    target.execute("SET LOCAL TimeZone TO 'UTC'");
    std::vector<const TableMapping*> tables;
    for (const TableMapping& table : mapping.tables) tables.push_back(&table);
    for (const TableMapping& table : mapping.derived) tables.push_back(&table);
    for (const TableMapping* each : tables) {
      const TableMapping& table = *each;
      out.push_back(validate_table(source, target, table, range));
      for (const db::TableInfo& info : target_tables) {
        if (info.name == table.target) out.back().orphans = orphans(target, info);
      }
      if (out.back().orphans > 0) {
        out.back().mismatches.push_back(std::to_string(out.back().orphans) + " rows of " + table.target +
                                        " reference a parent row that does not exist");
      }
    }
  } catch (...) {
    target.rollback();
    throw;
  }
  target.rollback();  // the check table goes with it; nothing else was written
  return out;
}

}  // namespace migrate::transfer
