// A data transfer as the manifest describes it ([transfers.<name>]) or a --spec file does:
// where the rows come from, the service they go to, and per table how names, values and
// order change on the way.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace migrate::config {

/// What a table does with a row whose primary key the target already holds.
enum class OnConflict {
  error,   ///< the copy fails (the default: nothing is overwritten unasked)
  update,  ///< the target row takes the source row's values (upsert on the target PK)
  skip,    ///< the target row stays as it is
};

std::string_view to_string(OnConflict value) noexcept;

/// One [transfers.<name>.tables.<source>] table.
struct TableSpec {
  std::string source;                ///< the source table's name (the TOML key)
  std::optional<std::string> to;     ///< the target table; the source name when unset
  bool skip = false;                 ///< `skip = true`: the table is not carried over
  /// Renamed columns, source -> target, in the order written.
  std::vector<std::pair<std::string, std::string>> columns;
  std::vector<std::string> skip_columns;  ///< source columns not carried over (`skip = [...]`)
  /// Value maps per source column (enum normalisation): source text -> target text.
  std::map<std::string, std::map<std::string, std::string>> values;
  /// Target columns the source does not have, given a constant (SQL literal text as COPY
  /// reads it; `defaults = { kind = "member" }`).
  std::vector<std::pair<std::string, std::string>> defaults;
  /// Target column types for `transfer schema`, overriding the profile's decision.
  std::vector<std::pair<std::string, std::string>> types;
  /// Row order as SQL ORDER BY items over source columns (`"case_created_at NULLS LAST"`);
  /// empty: the source's primary key (or rowid).
  std::vector<std::string> order_by;
  OnConflict on_conflict = OnConflict::error;
};

/// One [transfers.<name>.derived.<table>] table: rows made by a registered C++ step.
struct DerivedSpec {
  std::string table;  ///< the target table it fills
  std::string step;   ///< the registered transfer step's name
  OnConflict on_conflict = OnConflict::error;
};

/// One transfer.
struct TransferSpec {
  std::string name;
  std::string from;  ///< "env:VAR" or a URL (sqlite:…, postgres://…)
  std::string to;    ///< a service of the manifest
  int batch = 1000;  ///< rows per chunk (one transaction and one checkpoint each)
  std::vector<std::string> extensions;  ///< extensions the target needs (checked by preflight)
  std::vector<TableSpec> tables;      ///< in the order written
  std::vector<DerivedSpec> derived;   ///< in the order written
  std::filesystem::path defined_in;   ///< the manifest or spec file, for messages

  /// The table spec for a source table, or nullptr when the spec says nothing of it.
  const TableSpec* table(std::string_view source) const;
};

/// Reads a --spec file: a TOML document with one or more [transfers.<name>] tables (and
/// nothing else). Throws ConfigError when it cannot be read or parsed.
std::vector<TransferSpec> load_transfer_specs(const std::filesystem::path& path);

/// An ad-hoc transfer (`--from URL --to SERVICE`): every source table, same names,
/// default conversions.
TransferSpec adhoc_transfer(std::string from, std::string to);

}  // namespace migrate::config
