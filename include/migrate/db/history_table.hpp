// The history table of one database ([defaults] history_table, schema_migrations by default),
// on its driver's connection: reading the history and the changes made without a revision.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "migrate/model/history_row.hpp"
#include "migrate/model/revision.hpp"

namespace migrate::db {

/// The history operations of a driver, on the driver's own connection (Driver::history()).
/// Methods throw migrate Errors, as the driver's do; BlockedError when the table is another tool's (history_shape.hpp).
class HistoryTable {
 public:
  virtual ~HistoryTable() = default;

  /// Applied revisions of service, ascending by version; empty when the history table
  /// does not exist yet.
  virtual std::vector<AppliedRevision> read(const std::string& service) = 0;

  /// Sets the dirty flag of the (service, version) history row, and its duration_ms when
  /// given, in one autocommitted statement.
  virtual void set_dirty(const std::string& service, Version version, bool dirty,
                         std::optional<std::int64_t> duration_ms = std::nullopt) = 0;

  /// Rewrites name, kind and checksum of recorded revisions and clears their dirty flag,
  /// in one transaction (repair). Each row names an existing (service, version).
  virtual void rewrite(const std::vector<HistoryRow>& rows) = 0;

  /// Inserts rows and deletes the listed versions of service in one transaction,
  /// without running any revision (stamp).
  virtual void record(const std::string& service, const std::vector<HistoryRow>& insert,
                      const std::vector<Version>& remove) = 0;
};

}  // namespace migrate::db
