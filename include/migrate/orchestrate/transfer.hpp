// The `migrate transfer` verbs: where a transfer's rows come from and go to, resolved from
// the manifest ([transfers.NAME]), a --spec file or `--from URL --to SERVICE`; the copy
// under the target service's lock, audited, backed up first when the target holds rows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "migrate/config/transfer_spec.hpp"
#include "migrate/db/data_connection.hpp"
#include "migrate/orchestrate/operation.hpp"
#include "migrate/orchestrate/project.hpp"
#include "migrate/transfer/check.hpp"
#include "migrate/transfer/copier.hpp"
#include "migrate/transfer/mapping.hpp"
#include "migrate/transfer/preflight.hpp"
#include "migrate/transfer/profile.hpp"
#include "migrate/transfer/schema_convert.hpp"
#include "migrate/transfer/validate.hpp"

namespace migrate::orchestrate {

/// How a command names its transfer: NAME (manifest or --spec file) or --from/--to.
struct TransferSelector {
  std::string name;                          ///< empty with --from/--to
  std::optional<std::filesystem::path> spec;  ///< --spec FILE
  std::optional<std::string> from;           ///< --from URL (or env:VAR)
  std::optional<std::string> to;             ///< --to SERVICE
};

/// The URL of a transfer's `from`: "env:VAR" reads VAR (from the environment or .env), else
/// the text is a URL; relative SQLite paths are taken from the manifest's folder. Throws
/// UsageError naming the variable or the spec, never echoing a URL's secret.
config::DatabaseUrl source_url(const std::string& from, const config::Manifest& manifest,
                               const config::Environment& env);

/// The transfer a selector names. Throws UsageError for an unknown name, a missing or
/// doubled selector, an unknown target service.
config::TransferSpec select_transfer(const TransferSelector& selector, const config::Manifest& manifest);

/// A transfer resolved against both databases, with its connections open (source
/// read-only). The target is the service's database; it must be PostgreSQL.
struct ResolvedTransfer {
  config::TransferSpec spec;
  config::DatabaseUrl source_url;
  const config::ServiceConfig* target = nullptr;
  config::DatabaseUrl target_url;
  std::unique_ptr<db::DataConnection> source;
  std::unique_ptr<db::DataConnection> target_data;
  std::vector<db::TableInfo> source_tables;
  std::vector<db::TableInfo> target_tables;
  transfer::Mapping mapping;
};

/// Opens both sides and resolves the mapping. Throws UsageError (bad selector, SQLite
/// target), DatabaseUnreachable (either side).
ResolvedTransfer resolve_transfer(Project& project, const TransferSelector& selector);

/// What `transfer run` did.
struct TransferRunResult {
  std::vector<transfer::TableOutcome> tables;
  std::optional<std::filesystem::path> backup;  ///< the target's backup taken first
  std::optional<std::filesystem::path> rollback_script;  ///< undoes this run (not for a dry run)
  bool dry_run = false;
  bool declined = false;  ///< the operator said no: nothing was done
  std::int64_t run_id = 0;  ///< its row in migrate_transfer_runs (0 for a dry run)
};

/// Rows written per target table, as the JSON text a run record keeps ("tables").
std::string rows_per_table(const std::vector<transfer::TableOutcome>& tables);

/// `transfer run`: refuses a mapping with problems (UsageError, exit 2) and a target that is not at
/// head (exit 4); takes the target's lock, backs the target up when it holds rows (unless
/// no_backup), copies, and audits `transfer` start, each table and the outcome. confirmed:
/// the caller asked already (`transfer full`), so nothing is asked here.
TransferRunResult run_transfer(Operation& operation, const TransferSelector& selector,
                               const transfer::CopyOptions& options, bool no_backup,
                               transfer::CopyObserver& observer, bool confirmed = false);

/// `transfer validate`: compares every copied table (see transfer/validate.hpp).
std::vector<transfer::TableCheck> validate_transfer(Project& project, const TransferSelector& selector);

/// `transfer check`: the source read for what would fail or lose rows (see transfer/check.hpp).
/// A mapping with problems is UsageError (exit 2) first.
std::vector<transfer::TableFindings> check_transfer(Project& project, const TransferSelector& selector,
                                                    const std::vector<std::string>& tables,
                                                    const std::vector<std::string>& unique);

/// `transfer preflight`: the environment checks of transfer/preflight.hpp, with the spec's
/// extensions. A mapping with problems is one more failed check ("mapping").
std::vector<transfer::PreflightCheck> preflight_transfer(Project& project, const TransferSelector& selector,
                                                         bool integrity);
/// The same checks on a transfer resolved already; the last one is "mapping".
std::vector<transfer::PreflightCheck> preflight_resolved(ResolvedTransfer& resolved, bool integrity);

/// `transfer inspect --from URL`: the source's catalog and the values actually found.
struct SourceInspection {
  std::string source;  ///< the URL, redacted
  std::vector<db::TableInfo> tables;
  transfer::SourceProfile profile;
};
SourceInspection inspect_source(Project& project, const std::string& from, std::int64_t sample);

/// `transfer schema`: the PostgreSQL schema drafted from a SQLite source's profile,
/// written as the next numbered revision of the target service (up and down files) unless
/// dry_run. Throws UsageError for a PostgreSQL source (its schema is typed already).
struct SchemaRevision {
  transfer::SchemaDraft draft;
  std::optional<Version> version;             ///< written (not a dry run)
  std::vector<std::filesystem::path> files;   ///< written
};
SchemaRevision write_schema_revision(Project& project, const TransferSelector& selector, std::int64_t sample,
                                     bool dry_run);

/// The two halves of write_schema_revision: the draft (reads the source; throws as above)
/// and the revision files written from it (sets version and files; throws UsageError as
/// new_revision does, leaving no file half-written).
SchemaRevision draft_schema_revision(Project& project, const config::TransferSpec& spec, std::int64_t sample);
void write_drafted_revision(Project& project, const config::TransferSpec& spec, SchemaRevision& revision);

/// The name of the revision `transfer schema` writes for a transfer: transfer_<name>_schema,
/// lowercased, other characters as '_'.
std::string schema_revision_name(const std::string& transfer);

/// `transfer status`: the checkpoints and the last runs, read from the target alone.
struct TransferStatus {
  std::string transfer;
  std::string target;  ///< the service
  std::vector<transfer::TableProgress> tables;
  std::vector<transfer::RunRecord> runs;
};
TransferStatus transfer_status(Project& project, const TransferSelector& selector);

}  // namespace migrate::orchestrate
