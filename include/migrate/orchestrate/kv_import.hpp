// Stages a key-value store export into a raw_<name> table (migrate import-kv), for a later
// C++ step to normalise.
#pragma once

#include <cstdint>
#include <string>

#include "migrate/db/driver.hpp"
#include "migrate/orchestrate/operation.hpp"
#include "migrate/source/kv_export.hpp"
#include "migrate/step/step.hpp"

namespace migrate::orchestrate {

/// What an import staged.
struct KvImportResult {
  std::string table;  ///< raw_<name>
  std::int64_t rows = 0;
  /// SHA-256 (lowercase hex) over the imported pairs in file order: for each pair,
  /// key + '\t' + value + '\n', the value being the compact JSON of KvPair::value (no
  /// white space, object members sorted by name). Equal for the same pairs in either format.
  std::string sha256;
};

/// "raw_" + name once name matches ^[a-z][a-z0-9_]{0,50}$. Throws UsageError otherwise.
std::string raw_table_name(const std::string& name);

/// Loads every pair of reader into raw_<name> (key TEXT PRIMARY KEY, value JSONB on
/// PostgreSQL / TEXT on SQLite), creating the table when missing and inserting in batches
/// of 500, inside the caller's transaction. A table that already holds rows is emptied
/// first when replace is set, else UsageError. A key that occurs twice in the file is a
/// UsageError naming its second place; keys are checked against the table a batch at a
/// time, so memory stays bounded. The caller rolls back on any exception.
KvImportResult import_kv(step::Session& session, source::KvExportReader& reader, const std::string& name,
                         bool replace);

/// The same in one transaction of driver, so that an error at any point (bad JSON midway,
/// a duplicate key) leaves the database as it was, the table not even created. Errors are
/// migrate Errors: UsageError for the file or the table's rows, RevisionFailed for SQL.
KvImportResult import_kv(db::Driver& driver, source::KvExportReader& reader, const std::string& name,
                         bool replace);

/// The `import-kv` verb: reads `file` (an unreadable file stops it before the database is
/// touched), then under the service's lock imports it in one transaction, audited
/// (`import`, with the row count and checksum, or the error).
KvImportResult import_kv_file(Operation& operation, const std::string& service, const std::string& name,
                              const std::string& file, bool replace);

}  // namespace migrate::orchestrate
