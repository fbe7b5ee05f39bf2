// Finds, in the source alone, what would make a transfer fail or lose rows; see check.hpp.
#include "migrate/transfer/check.hpp"

#include <algorithm>

#include "migrate/transfer/convert.hpp"
#include "migrate/util/interrupt.hpp"
#include "migrate/util/text.hpp"

namespace migrate::transfer {

namespace {

constexpr std::size_t k_examples = 10;

std::vector<std::string> split_columns(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string part(util::trim(std::string_view(text).substr(start, end - start)));
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

// The source columns that feed the target's key.
std::vector<std::string> key_sources(const TableMapping& table) {
  std::vector<std::string> out;
  for (int index : table.key_columns) {
    const ColumnMapping& column = table.columns[static_cast<std::size_t>(index)];
    if (column.source >= 0) out.push_back(table.source_columns[static_cast<std::size_t>(column.source)]);
  }
  return out;
}

// Values of columns that occur more than once: how many, and the first few described.
std::int64_t duplicates(db::DataConnection& source, const std::string& table, const std::vector<std::string>& columns,
                        const std::string& what, TableFindings& findings) {
  std::string list;
  std::string not_null;
  for (const std::string& column : columns) {
    list += (list.empty() ? "" : ", ") + source.quote_name(column);
    not_null += (not_null.empty() ? "" : " AND ") + source.quote_name(column) + " IS NOT NULL";
  }
  const std::string grouped = "SELECT " + list + ", count(*) AS n FROM " + source.quote_name(table) + " WHERE " +
                              not_null + " GROUP BY " + list + " HAVING count(*) > 1";
  const std::int64_t count = std::stoll(source.query("SELECT count(*) FROM (" + grouped + ") d")[0][0].text);
  if (count == 0) return 0;
  for (const db::Row& row : source.query(grouped + " ORDER BY n DESC LIMIT 5")) {
    if (findings.examples.size() >= k_examples) break;
    std::string values;
    for (std::size_t i = 0; i + 1 < row.size(); ++i) values += (values.empty() ? "" : ", ") + row[i].text;
    findings.examples.push_back(what + " (" + util::join(columns, ", ") + ") = (" + values + ") occurs " +
                                row.back().text + " times");
  }
  return count;
}

}  // namespace

std::vector<TableFindings> check_tables(db::DataConnection& source, const Mapping& mapping,
                                        const std::vector<std::string>& tables,
                                        const std::vector<std::string>& unique) {
  std::vector<TableFindings> out;
  for (const TableMapping& table : mapping.tables) {
    if (!tables.empty() && std::find(tables.begin(), tables.end(), table.source) == tables.end()) continue;
    TableFindings findings;
    findings.source = table.source;
    findings.target = table.target;
    const std::string name = source.quote_name(table.source);
    findings.rows = std::stoll(source.query("SELECT count(*) FROM " + name)[0][0].text);
    const std::vector<std::string> key = key_sources(table);
    if (!key.empty()) {
      std::string any_null;
      for (const std::string& column : key) any_null += (any_null.empty() ? "" : " OR ") + source.quote_name(column) + " IS NULL";
      findings.missing_key = std::stoll(source.query("SELECT count(*) FROM " + name + " WHERE " + any_null)[0][0].text);
      if (findings.missing_key > 0) {
        findings.examples.push_back(std::to_string(findings.missing_key) + " rows have no value for (" +
                                    util::join(key, ", ") + ") and would be skipped");
      }
      findings.duplicate_keys = duplicates(source, table.source, key, "key", findings);
    }
    for (const std::string& spec : unique) {
      const std::vector<std::string> columns = split_columns(spec);
      const bool present = !columns.empty() && std::all_of(columns.begin(), columns.end(), [&](const std::string& c) {
        return std::find(table.source_columns.begin(), table.source_columns.end(), c) != table.source_columns.end();
      });
      if (present) findings.unique_violations += duplicates(source, table.source, columns, "value", findings);
    }
    // Every value through the conversion the copy applies.
    auto cursor = source.scan({table.source, table.source_columns, table.order_by, {}, 0});
    db::Row row;
    std::int64_t position = 0;
    while (cursor->next(row)) {
      if (++position % 10000 == 0) util::throw_if_interrupted();
      for (const ColumnMapping& column : table.columns) {
        if (column.source < 0) continue;
        const auto problem = conversion_problem(row[static_cast<std::size_t>(column.source)], column);
        if (!problem) continue;
        ++findings.bad_values;
        if (findings.examples.size() < k_examples) {
          std::string where;
          for (const std::string& k : key) {
            const auto at = std::find(table.source_columns.begin(), table.source_columns.end(), k);
            const db::Cell& cell = row[static_cast<std::size_t>(at - table.source_columns.begin())];
            where += (where.empty() ? "" : ", ") + k + "=" + (cell.kind == db::CellKind::null ? "NULL" : cell.text);
          }
          if (where.empty()) where = "row " + std::to_string(position);
          findings.examples.push_back(where + ": " + table.source_columns[static_cast<std::size_t>(column.source)] +
                                      " -> " + column.target + " (" + column.target_type + "): " + *problem);
        }
      }
    }
    out.push_back(std::move(findings));
  }
  return out;
}

}  // namespace migrate::transfer
