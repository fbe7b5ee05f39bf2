// Resolves a transfer spec against the source and target catalogs; see mapping.hpp.
#include "migrate/transfer/mapping.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "migrate/step/step.hpp"
#include "migrate/step/transfer_step.hpp"
#include "migrate/util/sha256.hpp"

namespace migrate::transfer {

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

std::string quote_name(const std::string& name) { return step::quote_identifier(name); }

const db::TableInfo* find_table(const std::vector<db::TableInfo>& tables, const std::string& name) {
  for (const db::TableInfo& table : tables) {
    if (table.name == name) return &table;
  }
  return nullptr;
}

std::string target_name_of(const config::TableSpec* spec, const std::string& source) {
  return spec != nullptr && spec->to ? *spec->to : source;
}

// The source's stable, total order: the spec's order, then the key (or SQLite's rowid,
// or every column), so that a resumed copy skips exactly the rows already copied.
std::string total_order(const config::TableSpec* spec, const db::TableInfo& source, Dialect dialect) {
  std::vector<std::string> items;
  if (spec != nullptr) items = spec->order_by;
  if (!source.primary_key.empty()) {
    for (const std::string& column : source.primary_key) items.push_back(quote_name(column));
  } else if (dialect == Dialect::sqlite) {
    items.push_back("rowid");
  } else {
    for (const db::ColumnInfo& column : source.columns) items.push_back(quote_name(column.name));
  }
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

template <typename Report>
void finish_keys(TableMapping& table, const db::TableInfo& target, Report&& problem);

// Whether values of a PostgreSQL source type, as its text output, can be read by a target
// type (as the copy converts them: integers as epochs into timestamps, 0/1 into booleans).
bool convertible(TypeCategory from, TypeCategory to) {
  if (from == TypeCategory::text || from == TypeCategory::other || to == TypeCategory::text ||
      to == TypeCategory::other || from == to) {
    return true;
  }
  switch (from) {
    case TypeCategory::integer:
      return to == TypeCategory::numeric || to == TypeCategory::boolean || to == TypeCategory::timestamp;
    case TypeCategory::timestamp:
      return to == TypeCategory::date;
    case TypeCategory::date:
      return to == TypeCategory::timestamp;
    default:
      return false;
  }
}

TableMapping map_table(const config::TableSpec* spec, const db::TableInfo& source, const db::TableInfo& target,
                       Dialect dialect, std::vector<Problem>& problems) {
  TableMapping table;
  table.source = source.name;
  table.target = target.name;
  table.order_by = total_order(spec, source, dialect);
  table.target_key = target.primary_key;
  if (spec != nullptr) table.on_conflict = spec->on_conflict;
  auto problem = [&](const std::string& message) { problems.push_back({source.name, message}); };

  // source column -> target column
  std::map<std::string, std::string> renames;
  std::set<std::string> skipped;
  if (spec != nullptr) {
    for (const auto& [from, to] : spec->columns) {
      if (source.column(from) == nullptr) {
        problem("'columns' renames " + from + ", which source table " + source.name + " does not have");
      } else if (target.column(to) == nullptr) {
        problem("'columns' renames " + from + " to " + to + ", which target table " + target.name + " does not have");
      }
      renames[from] = to;
      table.renamed.push_back(from + " -> " + to);
    }
    for (const std::string& column : spec->skip_columns) {
      if (source.column(column) == nullptr) {
        problem("'skip' names " + column + ", which source table " + source.name + " does not have");
      }
      skipped.insert(column);
    }
    for (const auto& [column, map] : spec->values) {
      if (source.column(column) == nullptr) {
        problem("'values' maps " + column + ", which source table " + source.name + " does not have");
      }
    }
    for (const auto& [column, value] : spec->defaults) {
      if (target.column(column) == nullptr) {
        problem("'defaults' sets " + column + ", which target table " + target.name + " does not have");
      }
    }
  }
  std::map<std::string, std::string> fed_by;  // target column -> source column
  for (const db::ColumnInfo& column : source.columns) {
    if (skipped.count(column.name) != 0) {
      table.skipped_columns.push_back(column.name);
      continue;
    }
    const auto rename = renames.find(column.name);
    const std::string to = rename != renames.end() ? rename->second : column.name;
    if (target.column(to) == nullptr) {
      if (rename == renames.end()) {
        problem("source column " + source.name + "." + column.name + " has no column in target table " + target.name +
                ": rename it (columns = { " + column.name + " = \"…\" }) or skip it (skip = [\"" + column.name +
                "\"])");
      }
      continue;
    }
    if (fed_by.count(to) != 0) {
      problem("target column " + target.name + "." + to + " is fed by both " + fed_by[to] + " and " + column.name);
      continue;
    }
    fed_by[to] = column.name;
  }
  for (const db::ColumnInfo& column : target.columns) {
    ColumnMapping mapped;
    mapped.target = column.name;
    mapped.target_type = column.declared_type;
    mapped.category = categorize(column.declared_type);
    mapped.identity = column.identity;
    const auto fed = fed_by.find(column.name);
    if (fed != fed_by.end()) {
      mapped.source = static_cast<int>(table.source_columns.size());
      table.source_columns.push_back(fed->second);
      if (spec != nullptr) {
        const auto values = spec->values.find(fed->second);
        if (values != spec->values.end()) mapped.values = values->second;
      }
      // A PostgreSQL source's types bind its values: a pair no value can cross is named
      // here. (SQLite declares no binding types: `transfer check` finds refused values.)
      const db::ColumnInfo* from = source.column(fed->second);
      if (dialect == Dialect::postgres && mapped.values.empty() &&
          !convertible(categorize(from->declared_type), mapped.category)) {
        problem("source column " + source.name + "." + from->name + " (" + from->declared_type +
                ") cannot convert to target column " + target.name + "." + column.name + " (" + column.declared_type +
                "): change the target's type, map the values (values = { " + from->name + " = { … } }) or skip it");
      }
    } else {
      std::optional<std::string> constant;
      if (spec != nullptr) {
        for (const auto& [name, value] : spec->defaults) {
          if (name == column.name) constant = value;
        }
      }
      if (!constant) {
        if (column.not_null && !column.has_default) {
          problem("target column " + target.name + "." + column.name + " is NOT NULL without a default and nothing "
                  "feeds it: map a source column to it (columns) or give it a constant (defaults = { " + column.name +
                  " = \"…\" })");
        }
        continue;  // left to the target's default
      }
      mapped.constant = constant;
    }
    table.columns.push_back(std::move(mapped));
  }
  finish_keys(table, target, problem);
  return table;
}

// The target key's columns among those fed, the self references, and whether the
// on_conflict asked for can work.
template <typename Report>
void finish_keys(TableMapping& table, const db::TableInfo& target, Report&& problem) {
  for (const std::string& key : table.target_key) {
    bool found = false;
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      if (table.columns[i].target == key) {
        table.key_columns.push_back(static_cast<int>(i));
        found = true;
      }
    }
    if (!found && !target.column(key)->has_default) {
      problem("the key column " + target.name + "." + key + " of the target is fed by nothing");
    }
  }
  for (const db::ForeignKey& key : target.foreign_keys) {
    if (key.references == target.name) table.self_references.push_back(key);
  }
  if (table.on_conflict != config::OnConflict::error && table.target_key.empty()) {
    problem("on_conflict = \"" + std::string(config::to_string(table.on_conflict)) + "\" needs a primary key on " +
            "target table " + target.name + ", which has none");
  }
}

// A derived table: the step's declared columns feed the target columns of the same names.
TableMapping map_derived(const config::DerivedSpec& spec, const step::TransferStepDefinition& step,
                         const db::TableInfo& target, std::vector<Problem>& problems) {
  TableMapping table;
  table.source = "step:" + step.name;
  table.target = target.name;
  table.derived_step = step.name;
  table.target_key = target.primary_key;
  table.on_conflict = spec.on_conflict;
  auto problem = [&](const std::string& message) { problems.push_back({target.name, message}); };
  std::set<std::string> declared;
  for (const std::string& column : step.columns) {
    if (!declared.insert(column).second) problem("transfer step " + step.name + " declares column " + column + " twice");
    if (target.column(column) == nullptr) {
      problem("transfer step " + step.name + " (" + step.source_file + ") makes column " + column +
              ", which target table " + target.name + " does not have");
    }
  }
  for (const db::ColumnInfo& column : target.columns) {
    const auto at = std::find(step.columns.begin(), step.columns.end(), column.name);
    if (at == step.columns.end()) {
      if (column.not_null && !column.has_default) {
        problem("target column " + target.name + "." + column.name + " is NOT NULL without a default and transfer "
                "step " + step.name + " does not make it");
      }
      continue;
    }
    ColumnMapping mapped;
    mapped.target = column.name;
    mapped.target_type = column.declared_type;
    mapped.category = categorize(column.declared_type);
    mapped.identity = column.identity;
    mapped.source = static_cast<int>(table.source_columns.size());
    table.source_columns.push_back(column.name);
    table.columns.push_back(std::move(mapped));
  }
  finish_keys(table, target, problem);
  return table;
}

}  // namespace

TypeCategory categorize(const std::string& declared_type) {
  const std::string type = lower(declared_type);
  if (type == "boolean" || type == "bool") return TypeCategory::boolean;
  if (type == "smallint" || type == "integer" || type == "bigint" || type == "int" || type == "int2" ||
      type == "int4" || type == "int8") {
    return TypeCategory::integer;
  }
  if (contains(type, "numeric") || contains(type, "double") || contains(type, "real") || contains(type, "decimal")) {
    return TypeCategory::numeric;
  }
  if (contains(type, "timestamp")) return TypeCategory::timestamp;
  if (type == "date") return TypeCategory::date;
  if (type == "bytea") return TypeCategory::bytea;
  if (type == "json" || type == "jsonb") return TypeCategory::json;
  if (type == "uuid") return TypeCategory::uuid;
  if (contains(type, "char") || type == "text" || type == "citext") return TypeCategory::text;
  return TypeCategory::other;
}

std::string mapping_checksum(const Mapping& mapping) {
  // Lengths before every name and value, so that no two mappings render alike.
  std::string text;
  const auto field = [&](const std::string& value) { text += std::to_string(value.size()) + ":" + value + ";"; };
  for (const std::vector<TableMapping>* tables : {&mapping.tables, &mapping.derived}) {
    for (const TableMapping& table : *tables) {
      field(table.source);
      field(table.target);
      field(table.derived_step);
      field(table.order_by);
      field(std::string(config::to_string(table.on_conflict)));
      for (const ColumnMapping& column : table.columns) {
        field(column.target);
        field(column.source >= 0 ? table.source_columns[static_cast<std::size_t>(column.source)] : std::string());
        field(column.constant ? "=" + *column.constant : std::string());
        for (const auto& [from, to] : column.values) {
          field(from);
          field(to);
        }
      }
      text += "|";
    }
    text += "||";
  }
  return util::sha256_hex(text);
}

std::vector<std::string> foreign_key_order(const std::vector<std::string>& tables,
                                           const std::vector<std::pair<std::string, std::string>>& references) {
  std::vector<std::string> sorted = tables;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> out;
  std::set<std::string> placed;
  while (out.size() < sorted.size()) {
    bool progressed = false;
    for (const std::string& table : sorted) {
      if (placed.count(table) != 0) continue;
      bool ready = true;
      for (const auto& [from, to] : references) {
        if (from == table && to != table && placed.count(to) == 0 &&
            std::find(sorted.begin(), sorted.end(), to) != sorted.end()) {
          ready = false;
        }
      }
      if (ready) {
        out.push_back(table);
        placed.insert(table);
        progressed = true;
      }
    }
    if (!progressed) {  // a cycle: take the first left, by name
      for (const std::string& table : sorted) {
        if (placed.insert(table).second) {
          out.push_back(table);
          break;
        }
      }
    }
  }
  return out;
}

Mapping resolve_mapping(const config::TransferSpec& spec, const std::vector<db::TableInfo>& source,
                        const std::vector<db::TableInfo>& target, Dialect source_dialect) {
  Mapping mapping;
  for (const config::TableSpec& table : spec.tables) {
    if (find_table(source, table.source) == nullptr) {
      mapping.problems.push_back({table.source, "the spec names table " + table.source + ", which the source does not have"});
    }
  }
  std::map<std::string, TableMapping> by_target;
  std::set<std::string> targets_fed;
  for (const db::TableInfo& table : source) {
    const config::TableSpec* table_spec = spec.table(table.name);
    if (table_spec != nullptr && table_spec->skip) {
      mapping.skipped_tables.push_back(table.name);
      continue;
    }
    const std::string to = target_name_of(table_spec, table.name);
    const db::TableInfo* target_table = find_table(target, to);
    if (target_table == nullptr) {
      mapping.problems.push_back({table.name, "target table " + to + " does not exist" +
                                                  (table_spec && table_spec->to ? std::string()
                                                                                : ": map it (to = \"…\") or skip it (skip = true)")});
      continue;
    }
    if (!targets_fed.insert(to).second) {
      mapping.problems.push_back({table.name, "two source tables are copied into target table " + to});
      continue;
    }
    by_target.emplace(to, map_table(table_spec, table, *target_table, source_dialect, mapping.problems));
  }
  std::map<std::string, TableMapping> derived_by_target;
  for (const config::DerivedSpec& derived : spec.derived) {
    const db::TableInfo* target_table = find_table(target, derived.table);
    const step::TransferStepDefinition* step = step::find_transfer_step(derived.step);
    if (target_table == nullptr) {
      mapping.problems.push_back({derived.table, "derived table " + derived.table + " does not exist in the target"});
    } else if (step == nullptr) {
      std::string known;
      for (const step::TransferStepDefinition& each : step::registered_transfer_steps()) {
        known += (known.empty() ? "" : ", ") + each.name;
      }
      mapping.problems.push_back({derived.table, "derived table " + derived.table + ": no transfer step named " +
                                                     derived.step + " is built into this migrate (" +
                                                     (known.empty() ? std::string("it has none") : "it has: " + known) +
                                                     "); steps live in services/<service>/transfers/*.cpp"});
    } else if (!targets_fed.insert(derived.table).second) {
      mapping.problems.push_back({derived.table, "derived table " + derived.table + " is also the target of a copied "
                                                 "table or of another derived entry"});
    } else {
      derived_by_target.emplace(derived.table, map_derived(derived, *step, *target_table, mapping.problems));
    }
  }
  std::vector<std::string> names;
  std::vector<std::pair<std::string, std::string>> references;
  for (const auto& [name, table] : by_target) names.push_back(name);
  for (const db::TableInfo& table : target) {
    for (const db::ForeignKey& key : table.foreign_keys) references.emplace_back(table.name, key.references);
  }
  mapping.references = references;
  for (const std::string& name : foreign_key_order(names, references)) {
    mapping.tables.push_back(std::move(by_target.at(name)));
  }
  std::vector<std::string> derived_names;
  for (const auto& [name, table] : derived_by_target) derived_names.push_back(name);
  for (const std::string& name : foreign_key_order(derived_names, references)) {
    mapping.derived.push_back(std::move(derived_by_target.at(name)));
  }
  return mapping;
}

}  // namespace migrate::transfer
