// The revisions the robustness suites apply: several services on one database, each
// revision leaving effects (a table, a column, a ledger row) that show whether it ran and
// how often.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "migrate/model/dialect.hpp"

namespace migrate::robustness {

/// One thing a revision leaves in the database when it has run.
struct Effect {
  enum class Kind { table, column, ledger_row };
  Kind kind = Kind::table;
  std::string table;    ///< Kind::table and Kind::column
  std::string column;   ///< Kind::column
  std::string service;  ///< Kind::ledger_row: the row (service, version) of table `ledger`
  int version = 0;      ///< Kind::ledger_row

  std::string describe() const;
};

/// One revision of the workload and what it must leave behind.
struct WorkloadRevision {
  std::string service;
  int version = 0;
  std::string name;
  /// false for a `-- migrate:no-transaction` revision (every sixth): one that a kill may
  /// leave dirty and half done.
  bool transactional = true;
  std::string up_sql;  ///< in the workload's dialect
  std::vector<Effect> effects;

  std::string label() const;  ///< "beta 0004_add_extra_4"
};

/// Services sharing one database, each with its own numbered revisions.
struct Workload {
  Dialect dialect = Dialect::postgres;
  std::vector<std::string> services;          ///< in dependency order
  std::vector<WorkloadRevision> revisions;    ///< in the order one run applies them

  /// Writes migrate.toml (`defaults_toml` as its [defaults] body, the services each
  /// depending on the one before) and every revision's .up.sql into project_dir.
  void write_project(const std::filesystem::path& project_dir, const std::string& defaults_toml) const;
};

/// `services` services (alpha, beta, gamma, ...) of `per_service` revisions each. The first
/// revision creates the shared `ledger` table; odd versions create a table with a row, even
/// ones add a column to it; every revision inserts its ledger row (no unique key, so a
/// second application shows as a second row); every fourth one is slow-ish (pg_sleep(0.05)
/// on PostgreSQL, a counting loop on SQLite) so that runners interleave; every sixth one
/// runs outside a transaction, with a slow statement between its column and its ledger row.
Workload make_workload(Dialect dialect, int services, int per_service);

}  // namespace migrate::robustness
