// `migrate transfer full`: the runbook's path as one command — preflight, the schema
// revision (a SQLite source and a target without the tables), `up` of the target service,
// the copy, validation and the rollback script — with one plan, one confirmation and one
// audit trail, stopping at the first stage that fails.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "migrate/model/run_report.hpp"
#include "migrate/orchestrate/transfer.hpp"

namespace migrate::orchestrate {

/// What `transfer full` is asked to do.
struct TransferFullRequest {
  TransferSelector selector;
  transfer::CopyOptions copy;  ///< jobs and batch (0: the spec's); dry_run, restart and tables unused
  bool no_backup = false;      ///< neither `up` nor the copy backs the target up
  std::int64_t sample = 0;     ///< rows per table the schema draft profiles (0: all)
};

/// One table the copy will fill.
struct PlannedTable {
  std::string source;
  std::string target;
  config::OnConflict on_conflict = config::OnConflict::error;
};

/// What `transfer full` will do, read before anything changes.
struct TransferFullPlan {
  std::string transfer;
  std::string target;  ///< the service
  std::string source;  ///< the source URL, redacted
  std::vector<transfer::PreflightCheck> preflight;
  std::size_t preflight_failed = 0;
  /// The schema revision to write (drafted, not written yet) and the version it will get.
  std::optional<SchemaRevision> schema;
  std::optional<Version> schema_version;
  std::vector<Revision> pending;  ///< what `up` applies besides the schema revision
  std::vector<PlannedTable> tables;
  /// The target's tables are made by `up`: the mapping is checked against them after it
  /// (the copy refuses a mapping that does not fit, exit 2).
  bool mapping_after_up = false;
};

/// What `transfer full` did: the plan, each stage's result as far as it got, and the
/// failure that stopped it (with the stage's exit code).
struct TransferFullResult {
  TransferFullPlan plan;
  bool declined = false;          ///< the operator said no: nothing was changed
  /// Stages finished, in order: preflight, schema (only when written), up, run, validate.
  std::vector<std::string> done;
  /// Where it stopped: "preflight" (also reading the plan), "confirm" (nobody to ask),
  /// "schema", "up", "run", "validate"; empty when nothing failed.
  std::string failed_stage;
  std::optional<Failure> failure;
  std::optional<SchemaRevision> schema;  ///< written
  std::optional<RunReport> up;
  std::optional<TransferRunResult> run;
  std::vector<transfer::TableCheck> validation;
  std::optional<std::filesystem::path> rollback_script;  ///< undoes the copy (also after a failed copy)
};

/// Called with the plan before the confirmation (to show it).
using ShowFullPlan = std::function<void(const TransferFullPlan&)>;

/// Reads the plan (touches nothing), fails with exit 4 on a failed preflight check, shows
/// the plan, asks once (UsageError with nobody to ask), then writes the schema revision,
/// runs `up` of the target service, the copy and validation (a mismatch: exit 4, the
/// rollback script named). Never throws a migrate Error: a failure is in the result with
/// what was done before it. Audits `transfer_full` start and outcome around the lines of
/// `up` and the copy, in one start/done frame.
TransferFullResult run_transfer_full(Operation& operation, const TransferFullRequest& request,
                                     const ShowFullPlan& show, transfer::CopyObserver& observer);

}  // namespace migrate::orchestrate
