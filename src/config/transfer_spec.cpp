// Parses [transfers.<name>] tables (from the manifest or a --spec file) with toml++.
#include "migrate/config/transfer_spec.hpp"

#include <algorithm>
#include <set>

#include "config/toml_support.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"
#include "migrate/util/text.hpp"

namespace migrate::config {

namespace fs = std::filesystem;

namespace {

constexpr int k_max_batch = 1'000'000;

const toml::table& require_table(const fs::path& path, const toml::node& node, const std::string& where) {
  const toml::table* table = node.as_table();
  if (table == nullptr) throw ConfigError(at(path, node, where + " must be a table"));
  return *table;
}

std::vector<std::string> string_array(const fs::path& path, const toml::node& node, const std::string& what) {
  const toml::array* array = node.as_array();
  if (array == nullptr) throw ConfigError(at(path, node, what + " must be an array of strings"));
  std::vector<std::string> out;
  for (const toml::node& item : *array) {
    const auto* text = item.as_string();
    if (text == nullptr || util::is_blank(text->get())) {
      throw ConfigError(at(path, item, what + " must list non-empty strings"));
    }
    out.push_back(text->get());
  }
  return out;
}

// A table of string values, in source order (toml++ sorts keys).
std::vector<std::pair<std::string, std::string>> string_pairs(const fs::path& path, const toml::node& node,
                                                              const std::string& what) {
  const toml::table& table = require_table(path, node, what);
  std::vector<std::pair<toml::source_position, std::pair<std::string, std::string>>> found;
  for (const auto& [key, value] : table) {
    const auto* text = value.as_string();
    if (text == nullptr) throw ConfigError(at(path, value, what + "." + std::string(key.str()) + " must be a string"));
    found.push_back({value.source().begin, {std::string(key.str()), text->get()}});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.first.line != b.first.line ? a.first.line < b.first.line : a.first.column < b.first.column;
  });
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& entry : found) out.push_back(std::move(entry.second));
  return out;
}

OnConflict parse_on_conflict(const fs::path& path, const toml::node& node) {
  const auto* text = node.as_string();
  if (text != nullptr) {
    if (text->get() == "error") return OnConflict::error;
    if (text->get() == "update") return OnConflict::update;
    if (text->get() == "skip") return OnConflict::skip;
  }
  throw ConfigError(at(path, node, "'on_conflict' must be \"error\", \"update\" (upsert on the target's primary key) "
                                   "or \"skip\""));
}

TableSpec parse_table(const fs::path& path, const std::string& where, std::string_view source,
                      const toml::node& node) {
  const toml::table& table = require_table(path, node, where);
  reject_unknown_keys(path, table, where,
                      {"to", "columns", "skip", "values", "defaults", "types", "order_by", "on_conflict"});
  TableSpec spec;
  spec.source = std::string(source);
  spec.to = optional_string(path, table, "to");
  if (spec.to && util::is_blank(*spec.to)) throw ConfigError(at(path, *table.get("to"), "'to' must name a table"));
  if (const toml::node* skip = table.get("skip")) {
    if (const auto* flag = skip->as_boolean()) {
      spec.skip = flag->get();
    } else if (skip->is_array()) {
      spec.skip_columns = string_array(path, *skip, "'skip'");
    } else {
      throw ConfigError(at(path, *skip, "'skip' must be true (the whole table) or an array of column names"));
    }
  }
  if (const toml::node* columns = table.get("columns")) spec.columns = string_pairs(path, *columns, "'columns'");
  if (const toml::node* defaults = table.get("defaults")) spec.defaults = string_pairs(path, *defaults, "'defaults'");
  if (const toml::node* types = table.get("types")) spec.types = string_pairs(path, *types, "'types'");
  if (const toml::node* values = table.get("values")) {
    for (const auto& [column, map] : require_table(path, *values, "'values'")) {
      for (auto& [from, to] : string_pairs(path, map, "'values." + std::string(column.str()) + "'")) {
        spec.values[std::string(column.str())][from] = to;
      }
    }
  }
  if (const toml::node* order = table.get("order_by")) spec.order_by = string_array(path, *order, "'order_by'");
  if (const toml::node* conflict = table.get("on_conflict")) spec.on_conflict = parse_on_conflict(path, *conflict);
  std::set<std::string> seen;
  for (const auto& [from, to] : spec.columns) {
    if (!seen.insert(to).second) {
      throw ConfigError(at(path, node, where + ": two columns are renamed to '" + to + "'"));
    }
  }
  return spec;
}

TransferSpec parse_transfer(const fs::path& path, std::string_view name, const toml::node& node) {
  const std::string where = "[transfers." + std::string(name) + "]";
  const toml::table& table = require_table(path, node, where);
  reject_unknown_keys(path, table, where, {"from", "to", "batch", "extensions", "tables", "derived"});
  TransferSpec spec;
  spec.name = std::string(name);
  spec.defined_in = path;
  spec.from = require_string(path, table, "from", where);
  spec.to = require_string(path, table, "to", where);
  if (const toml::node* batch = table.get("batch")) {
    const auto* value = batch->as_integer();
    if (value == nullptr || value->get() < 1 || value->get() > k_max_batch) {
      throw ConfigError(at(path, *batch, "'batch' must be a whole number from 1 to 1000000"));
    }
    spec.batch = static_cast<int>(value->get());
  }
  if (const toml::node* extensions = table.get("extensions")) {
    spec.extensions = string_array(path, *extensions, "'extensions'");
  }
  if (const toml::node* tables = table.get("tables")) {
    std::vector<std::pair<toml::source_position, TableSpec>> found;
    for (const auto& [source, entry] : require_table(path, *tables, where + ".tables")) {
      found.push_back({entry.source().begin,
                       parse_table(path, where + ".tables." + std::string(source.str()), source.str(), entry)});
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return a.first.line != b.first.line ? a.first.line < b.first.line : a.first.column < b.first.column;
    });
    for (auto& entry : found) spec.tables.push_back(std::move(entry.second));
  }
  if (const toml::node* derived = table.get("derived")) {
    for (const auto& [target, entry] : require_table(path, *derived, where + ".derived")) {
      const std::string at_where = where + ".derived." + std::string(target.str());
      const toml::table& derived_table = require_table(path, entry, at_where);
      reject_unknown_keys(path, derived_table, at_where, {"step", "on_conflict"});
      DerivedSpec derived_spec{std::string(target.str()), require_string(path, derived_table, "step", at_where)};
      if (const toml::node* conflict = derived_table.get("on_conflict")) {
        derived_spec.on_conflict = parse_on_conflict(path, *conflict);
      }
      spec.derived.push_back(std::move(derived_spec));
    }
  }
  return spec;
}

}  // namespace

std::string_view to_string(OnConflict value) noexcept {
  switch (value) {
    case OnConflict::update: return "update";
    case OnConflict::skip: return "skip";
    case OnConflict::error: break;
  }
  return "error";
}

const TableSpec* TransferSpec::table(std::string_view source) const {
  for (const TableSpec& each : tables) {
    if (each.source == source) return &each;
  }
  return nullptr;
}

std::vector<TransferSpec> parse_transfer_specs(const toml::table& transfers, const fs::path& path) {
  std::vector<TransferSpec> out;
  for (const auto& [name, node] : transfers) out.push_back(parse_transfer(path, name.str(), node));
  return out;
}

std::vector<TransferSpec> load_transfer_specs(const fs::path& path) {
  std::string text;
  try {
    text = util::read_file(path);
  } catch (const std::runtime_error& e) {
    throw ConfigError(std::string("cannot read the transfer spec: ") + e.what());
  }
  toml::table document;
  try {
    document = toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    const toml::source_position& begin = e.source().begin;
    throw ConfigError(path.string() + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) + ": " +
                      std::string(e.description()));
  }
  reject_unknown_keys(path, document, "a transfer spec", {"transfers"});
  const toml::table* transfers = document["transfers"].as_table();
  if (transfers == nullptr || transfers->empty()) {
    throw ConfigError(path.string() + ": the spec defines no [transfers.<name>] table");
  }
  return parse_transfer_specs(*transfers, path);
}

TransferSpec adhoc_transfer(std::string from, std::string to) {
  TransferSpec spec;
  spec.name = "adhoc";
  spec.from = std::move(from);
  spec.to = std::move(to);
  return spec;
}

}  // namespace migrate::config
