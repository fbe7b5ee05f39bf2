// A transfer spec resolved against both schemas: per target table, which source column
// (or constant) feeds each target column and how its values convert; tables in
// foreign-key order; every problem that would make the copy fail or lose data, named.
// Pure: no database is touched here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "migrate/config/transfer_spec.hpp"
#include "migrate/db/data_connection.hpp"
#include "migrate/model/dialect.hpp"

namespace migrate::transfer {

/// What a target column's values are, as far as conversion cares.
enum class TypeCategory { boolean, integer, numeric, timestamp, date, bytea, json, uuid, text, other };

/// The category of a declared PostgreSQL type ("timestamp with time zone", "jsonb", …).
TypeCategory categorize(const std::string& declared_type);

/// One target column and what feeds it.
struct ColumnMapping {
  std::string target;
  std::string target_type;  ///< as the target declares it
  TypeCategory category = TypeCategory::text;
  /// Index into TableMapping::source_columns; -1 for a constant.
  int source = -1;
  std::optional<std::string> constant;   ///< the constant's text; nullopt with source -1: NULL
  std::map<std::string, std::string> values;  ///< value map applied before conversion
  bool identity = false;  ///< an identity or serial column: its sequence is moved past the copy
};

/// One source table copied into one target table, or one derived table filled by a
/// transfer step (`derived_step` set; `source` is then "step:<name>" and `source_columns`
/// the step's declared columns, in the order of its rows' values).
struct TableMapping {
  std::string source;
  std::string target;
  std::string derived_step;                  ///< the transfer step's name; empty: a copied table
  std::vector<std::string> source_columns;   ///< read in this order
  std::vector<ColumnMapping> columns;        ///< written in this order
  std::string order_by;                      ///< SQL over the source; total (ends with the key)
  std::vector<std::string> target_key;       ///< the target's primary key
  /// Indexes into `columns` of the target key's columns, for rows missing a key value.
  std::vector<int> key_columns;
  config::OnConflict on_conflict = config::OnConflict::error;
  std::vector<std::string> renamed;          ///< "a -> b" lines for `transfer map`
  std::vector<std::string> skipped_columns;  ///< source columns not carried over
  /// The target's foreign keys that reference the target table itself (a parent column):
  /// rows may come before their parents, so on an empty table they are added after the load.
  std::vector<db::ForeignKey> self_references;
  /// Set by the copier: the target table held no row when the run began.
  bool empty_target = false;
};

/// A problem found while resolving: the table it concerns and what to do.
struct Problem {
  std::string table;
  std::string message;
};

/// The resolved transfer.
struct Mapping {
  std::vector<TableMapping> tables;         ///< in foreign-key order of the target
  std::vector<std::string> skipped_tables;  ///< source tables the spec skips
  std::vector<TableMapping> derived;         ///< filled by transfer steps, after `tables`, in foreign-key order
  std::vector<Problem> problems;            ///< empty: the transfer can run
  /// The target's foreign keys between tables as (table, referenced table).
  std::vector<std::pair<std::string, std::string>> references;
};

/// Resolves spec against the source and target catalogs. Tables the spec does not name
/// are copied under their own names with their own column names (as `--from/--to` does);
/// every source column must reach a target column or be skipped, every target NOT NULL
/// column without a default must be fed, every name the spec uses must exist. Derived
/// tables need their step registered in this binary (step::find_transfer_step) with
/// columns the target table has.
Mapping resolve_mapping(const config::TransferSpec& spec, const std::vector<db::TableInfo>& source,
                        const std::vector<db::TableInfo>& target, Dialect source_dialect);

/// The SHA-256 (hex) of what a resolved mapping does: per table its source, target, order,
/// on_conflict and what feeds each column (value maps and constants included), per
/// derived table its step and columns. Two runs with equal checksums copied alike.
std::string mapping_checksum(const Mapping& mapping);

/// The tables in an order where every table comes after those it references (cycles and
/// self references broken by name order). `tables` are names; references are (from, to).
std::vector<std::string> foreign_key_order(const std::vector<std::string>& tables,
                                           const std::vector<std::pair<std::string, std::string>>& references);

}  // namespace migrate::transfer
