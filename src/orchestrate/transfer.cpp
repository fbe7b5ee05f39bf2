// The `migrate transfer` verbs: selecting and resolving a transfer, the audited copy
// under the target's lock, validation and status; see transfer.hpp.
#include "migrate/orchestrate/transfer.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>

#include "migrate/orchestrate/new_revision.hpp"
#include "migrate/orchestrate/read_status.hpp"
#include "migrate/util/file_io.hpp"
#include "migrate/orchestrate/run_backups.hpp"
#include "migrate/run/lock_guard.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::orchestrate {

namespace {

constexpr int k_status_runs = 10;
constexpr std::chrono::seconds k_chunk_audit_interval{10};

std::string describe_problems(const transfer::Mapping& mapping) {
  std::string out;
  for (const transfer::Problem& problem : mapping.problems) out += "\n  " + problem.table + ": " + problem.message;
  return out;
}

// Refuses a target with revisions still to apply: the copy is planned against the schema
// the target will have, and `up` first makes it so.
void require_target_at_head(Project& project, const config::ServiceConfig& service) {
  for (const status::ServiceStatus& each : read_status(project, service.name)) {
    if (each.state == status::State::error) throw BlockedError("target " + service.name + ": " + each.error);
    if (each.pending > 0 || each.state == status::State::drift || each.state == status::State::dirty) {
      throw BlockedError("the target service " + service.name + " is not at head (" +
                         std::string(status::to_string(each.state)) + ", " + std::to_string(each.pending) +
                         " pending): run `migrate up " + service.name + "` first");
    }
  }
}

// Keeps the lock's heartbeat going and forwards to the caller's observer.
class LockedObserver final : public transfer::CopyObserver {
 public:
  LockedObserver(transfer::CopyObserver& inner, run::LockGuard& lock, Operation& operation, std::string service)
      : m_inner(inner), m_lock(lock), m_operation(operation), m_service(std::move(service)) {}

  void on_chunk(const transfer::TableProgress& progress, std::int64_t total) override {
    m_lock.keep_alive();
    // Where the copy stands, at most every k_chunk_audit_interval: each line an fsync, so
    // not one per chunk.
    const auto now = std::chrono::steady_clock::now();
    if (progress.state == "copying" && progress.rows_read > 0 && now - m_last_chunk_line >= k_chunk_audit_interval) {
      m_last_chunk_line = now;
      audit::AuditEvent event;
      event.event = "transfer_chunk";
      event.service = m_service;
      event.detail = progress.source_table + " -> " + progress.target_table + ": committed through source row " +
                     std::to_string(progress.rows_read) + (total >= 0 ? " of " + std::to_string(total) : "") + " (" +
                     std::to_string(progress.rows_written) + " written, " + std::to_string(progress.rows_skipped) +
                     " skipped)";
      m_operation.record(event);
    }
    if (progress.state == "done" && m_recorded.insert(progress.source_table).second) {
      audit::AuditEvent event;
      event.event = "transfer_table";
      event.service = m_service;
      event.detail = progress.source_table + " -> " + progress.target_table + ": " +
                     std::to_string(progress.rows_written) + " rows written, " + std::to_string(progress.rows_skipped) +
                     " skipped, " + std::to_string(progress.rows_read) + " read";
      m_operation.record(event);
    }
    m_inner.on_chunk(progress, total);
  }

  void on_warning(const std::string& table, const std::string& message) override {
    m_inner.on_warning(table, message);
  }

 private:
  transfer::CopyObserver& m_inner;
  run::LockGuard& m_lock;
  Operation& m_operation;
  std::string m_service;
  std::set<std::string> m_recorded;
  std::chrono::steady_clock::time_point m_last_chunk_line = std::chrono::steady_clock::now();
};

}  // namespace

std::string rows_per_table(const std::vector<transfer::TableOutcome>& tables) {
  nlohmann::json rows = nlohmann::json::object();
  for (const transfer::TableOutcome& table : tables) rows[table.progress.target_table] = table.progress.rows_written;
  return rows.dump();
}

config::DatabaseUrl source_url(const std::string& from, const config::Manifest& manifest,
                               const config::Environment& env) {
  if (util::starts_with(from, "env:")) {
    const std::string variable = from.substr(4);
    const std::optional<std::string> value = env.get(variable);
    if (!value) throw UsageError("the transfer's source variable " + variable + " is not set");
    return config::parse_database_url(*value, manifest.dir, variable);
  }
  return config::parse_database_url(from, manifest.dir, "the transfer's 'from'");
}

config::TransferSpec select_transfer(const TransferSelector& selector, const config::Manifest& manifest) {
  config::TransferSpec spec;
  if (selector.from || selector.to) {
    if (!selector.from || !selector.to) throw UsageError("--from and --to go together: the source URL and the target service");
    if (!selector.name.empty() || selector.spec) {
      throw UsageError("give a transfer NAME (or --spec FILE) or --from URL --to SERVICE, not both");
    }
    spec = config::adhoc_transfer(*selector.from, *selector.to);
  } else if (selector.spec) {
    const std::vector<config::TransferSpec> specs = config::load_transfer_specs(*selector.spec);
    if (selector.name.empty() && specs.size() == 1) {
      spec = specs.front();
    } else {
      std::vector<std::string> names;
      bool found = false;
      for (const config::TransferSpec& each : specs) {
        names.push_back(each.name);
        if (each.name == selector.name) {
          spec = each;
          found = true;
        }
      }
      if (!found) {
        throw UsageError((selector.name.empty() ? std::string("name the transfer") : "unknown transfer '" + selector.name + "'") +
                         " (" + selector.spec->string() + " has: " + util::join(names, ", ") + ")");
      }
    }
  } else {
    if (selector.name.empty()) throw UsageError("name a transfer (NAME, or --spec FILE, or --from URL --to SERVICE)");
    spec = manifest.transfer(selector.name);
  }
  (void)manifest.service(spec.to);  // an unknown target service is a UsageError naming the known ones
  return spec;
}

ResolvedTransfer resolve_transfer(Project& project, const TransferSelector& selector) {
  ResolvedTransfer resolved;
  resolved.spec = select_transfer(selector, project.manifest());
  resolved.target = &project.manifest().service(resolved.spec.to);
  resolved.source_url = source_url(resolved.spec.from, project.manifest(), project.env());
  resolved.target_url = project.url(*resolved.target);
  if (resolved.target_url.dialect != Dialect::postgres) {
    throw UsageError("the target service " + resolved.target->name + " is on SQLite: transfers write to PostgreSQL");
  }
  resolved.source = db::open_data_connection(resolved.source_url, true);
  resolved.target_data = db::open_data_connection(resolved.target_url, false);
  resolved.source_tables = resolved.source->tables();
  resolved.target_tables = resolved.target_data->tables();
  resolved.mapping = transfer::resolve_mapping(resolved.spec, resolved.source_tables, resolved.target_tables,
                                               resolved.source_url.dialect);
  return resolved;
}

TransferRunResult run_transfer(Operation& operation, const TransferSelector& selector,
                               const transfer::CopyOptions& options, bool no_backup,
                               transfer::CopyObserver& observer, bool confirmed) {
  Project& project = operation.project();
  const config::TransferSpec spec = select_transfer(selector, project.manifest());
  const config::ServiceConfig& service = *operation.select(spec.to).front();
  return operation.audited([&] {
    ResolvedTransfer resolved = resolve_transfer(project, selector);
    operation.audit().add_secret(resolved.source_url.password);
    for (const std::string& secret : resolved.source_url.secrets) operation.audit().add_secret(secret);
    require_target_at_head(project, service);
    if (!resolved.mapping.problems.empty()) {
      throw UsageError("the transfer " + resolved.spec.name + " cannot run as specified:" +
                         describe_problems(resolved.mapping));
    }
    if (!options.dry_run && !confirmed) {
      std::string what = "copy " + std::to_string(resolved.mapping.tables.size()) + " tables from " +
                         resolved.source_url.redacted + " into " + service.name + ":";
      for (const transfer::TableMapping& table : resolved.mapping.tables) {
        if (options.tables.empty() ||
            std::find(options.tables.begin(), options.tables.end(), table.source) != options.tables.end()) {
          what += "\n  " + table.source + " -> " + table.target + " (on conflict: " +
                  std::string(config::to_string(table.on_conflict)) + ")";
        }
      }
      for (const transfer::TableMapping& table : resolved.mapping.derived) {
        if (options.tables.empty() ||
            std::find(options.tables.begin(), options.tables.end(), table.target) != options.tables.end() ||
            std::find(options.tables.begin(), options.tables.end(), table.source) != options.tables.end()) {
          what += "\n  transfer step " + table.derived_step + " -> " + table.target + " (on conflict: " +
                  std::string(config::to_string(table.on_conflict)) + ")";
        }
      }
      if (!operation.confirm(what, service.name)) {
        TransferRunResult declined;
        declined.declined = true;
        return declined;
      }
    }
    db::Driver& driver = project.driver(service);
    run::LockGuard lock(driver, operation.settings().lock, service.name, operation.observer());

    TransferRunResult result;
    result.dry_run = options.dry_run;
    audit::AuditEvent start;
    start.event = options.dry_run ? "transfer_dry_run" : "transfer";
    start.service = service.name;
    start.detail = resolved.spec.name + " from " + resolved.source_url.redacted;
    const auto started = std::chrono::steady_clock::now();

    // A backup when the copy will change a target that holds rows (not when every table was
    // finished by an earlier run).
    bool target_has_rows = false;
    std::set<std::string> done;
    if (!options.restart) {
      for (const transfer::TableProgress& each : transfer::read_progress(*resolved.target_data, resolved.spec.name)) {
        if (each.state == "done") done.insert(each.source_table);
      }
    }
    std::vector<const transfer::TableMapping*> loaded;
    for (const transfer::TableMapping& table : resolved.mapping.tables) loaded.push_back(&table);
    for (const transfer::TableMapping& table : resolved.mapping.derived) loaded.push_back(&table);
    for (const transfer::TableMapping* each : loaded) {
      const transfer::TableMapping& table = *each;
      if (done.count(table.source) != 0) continue;
      if (!resolved.target_data->query("SELECT 1 FROM " + resolved.target_data->quote_name(table.target) + " LIMIT 1")
               .empty()) {
        target_has_rows = true;
      }
    }
    if (target_has_rows && !options.dry_run) {
      RunBackups backups(project, operation.audit(), {no_backup, backup::BackupFormat::plain, true});
      backups.before_changes(service);
      if (!backups.taken().empty()) result.backup = backups.taken().front();
    }
    std::int64_t run_id = 0;
    if (!options.dry_run) {
      transfer::ensure_progress_tables(*resolved.target_data);
      run_id = transfer::start_run(*resolved.target_data, resolved.spec.name, resolved.source_url.redacted,
                                   transfer::mapping_checksum(resolved.mapping));
      result.run_id = run_id;
    }
    LockedObserver locked(observer, lock, operation, service.name);
    transfer::CopyOptions copy = options;
    const config::DatabaseUrl source_at = resolved.source_url;
    const config::DatabaseUrl target_at = resolved.target_url;
    copy.open_source = [source_at] { return db::open_data_connection(source_at, true); };
    copy.open_target = [target_at] { return db::open_data_connection(target_at, false); };
    std::unique_ptr<transfer::RollbackJournal> journal;
    const std::filesystem::path folder = project.manifest().defaults.backup_dir;
    if (!options.dry_run) {
      // Undo left by a run that died before writing its script: written now.
      for (const transfer::RunRecord& earlier : transfer::read_runs(*resolved.target_data, resolved.spec.name, 1000)) {
        if (earlier.id == run_id) continue;
        const auto left = transfer::rollback_script_path(folder, resolved.spec.name, earlier.started_at, earlier.id);
        if (transfer::write_rollback_script(*resolved.target_data, earlier.id, left)) {
          spdlog::warn("run {} of {} stopped before writing its rollback script: written now as {}", earlier.id,
                       resolved.spec.name, left.string());
        }
      }
      const std::string run_started = transfer::read_runs(*resolved.target_data, resolved.spec.name, 1).front().started_at;
      journal = std::make_unique<transfer::RollbackJournal>(
          run_id, transfer::rollback_script_path(folder, resolved.spec.name, run_started, run_id));
      copy.journal = journal.get();
    }
    // The script is written whatever the outcome: what committed before a failure or a
    // signal is undone by it as well.
    auto write_script = [&]() -> std::optional<std::filesystem::path> {
      if (!journal || !transfer::write_rollback_script(*resolved.target_data, run_id, journal->script())) {
        return std::nullopt;
      }
      const std::filesystem::path script = journal->script();
      audit::AuditEvent event;
      event.event = "transfer_rollback_script";
      event.service = service.name;
      event.detail = script.string();
      operation.record(event);
      return script;
    };
    try {
      result.tables = transfer::copy_tables(*resolved.source, *resolved.target_data, resolved.spec.name,
                                            resolved.mapping, copy, locked);
      result.rollback_script = write_script();
    } catch (const Error& e) {
      try {
        write_script();
      } catch (const std::exception& ignored) {
        spdlog::warn("the rollback script could not be written: {}", ignored.what());
      }
      start.ok = false;
      start.error = e.what();
      start.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
      operation.record(start);
      if (run_id != 0) {
        try {
          transfer::finish_run(*resolved.target_data, run_id,
                               dynamic_cast<const Interrupted*>(&e) ? "interrupted" : "failed: " + std::string(e.what()), 0);
        } catch (const Error& ignored) {
          spdlog::debug("transfer run record: {}", ignored.what());
        }
      }
      throw;
    }
    std::int64_t rows = 0;
    for (const transfer::TableOutcome& table : result.tables) rows += table.progress.rows_written;
    if (run_id != 0) transfer::finish_run(*resolved.target_data, run_id, "ok", rows, rows_per_table(result.tables));
    start.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    start.detail += ": " + std::to_string(rows) + " rows in " + std::to_string(result.tables.size()) + " tables";
    operation.record(start);
    return result;
  });
}

std::vector<transfer::TableCheck> validate_transfer(Project& project, const TransferSelector& selector) {
  ResolvedTransfer resolved = resolve_transfer(project, selector);
  if (!resolved.mapping.problems.empty()) {
    throw UsageError("the transfer " + resolved.spec.name + " cannot be validated as specified:" +
                       describe_problems(resolved.mapping));
  }
  return transfer::validate_tables(*resolved.source, *resolved.target_data, resolved.mapping);
}

std::vector<transfer::TableFindings> check_transfer(Project& project, const TransferSelector& selector,
                                                    const std::vector<std::string>& tables,
                                                    const std::vector<std::string>& unique) {
  ResolvedTransfer resolved = resolve_transfer(project, selector);
  if (!resolved.mapping.problems.empty()) {
    throw UsageError("the transfer " + resolved.spec.name + " cannot be checked as specified:" +
                       describe_problems(resolved.mapping));
  }
  for (const std::string& name : tables) {
    const bool known = std::any_of(resolved.mapping.tables.begin(), resolved.mapping.tables.end(),
                                   [&](const transfer::TableMapping& table) { return table.source == name; });
    if (!known) throw UsageError("--table " + name + ": the transfer copies no such source table");
  }
  return transfer::check_tables(*resolved.source, resolved.mapping, tables, unique);
}

std::vector<transfer::PreflightCheck> preflight_transfer(Project& project, const TransferSelector& selector,
                                                         bool integrity) {
  ResolvedTransfer resolved = resolve_transfer(project, selector);
  return preflight_resolved(resolved, integrity);
}

std::vector<transfer::PreflightCheck> preflight_resolved(ResolvedTransfer& resolved, bool integrity) {
  std::vector<transfer::PreflightCheck> checks =
      transfer::preflight(*resolved.source, *resolved.target_data, resolved.mapping, {integrity, resolved.spec.extensions});
  if (resolved.mapping.problems.empty()) {
    checks.push_back({"mapping", true, "fits both schemas", ""});
  } else {
    checks.push_back({"mapping", false, std::to_string(resolved.mapping.problems.size()) + " problem(s):" +
                                            describe_problems(resolved.mapping),
                      "fix the spec or the target's schema; `migrate transfer plan` lists them"});
  }
  return checks;
}

SourceInspection inspect_source(Project& project, const std::string& from, std::int64_t sample) {
  const config::DatabaseUrl url = source_url(from, project.manifest(), project.env());
  auto source = db::open_data_connection(url, true);
  SourceInspection inspection;
  inspection.source = url.redacted;
  inspection.tables = source->tables();
  inspection.profile = transfer::profile_source(*source, sample);
  return inspection;
}

SchemaRevision write_schema_revision(Project& project, const TransferSelector& selector, std::int64_t sample,
                                     bool dry_run) {
  const config::TransferSpec spec = select_transfer(selector, project.manifest());
  SchemaRevision result = draft_schema_revision(project, spec, sample);
  if (!dry_run) write_drafted_revision(project, spec, result);
  return result;
}

SchemaRevision draft_schema_revision(Project& project, const config::TransferSpec& spec, std::int64_t sample) {
  const config::DatabaseUrl url = source_url(spec.from, project.manifest(), project.env());
  if (url.dialect != Dialect::sqlite) {
    throw UsageError("transfer schema drafts a PostgreSQL schema from a SQLite source; " + url.redacted +
                     " is PostgreSQL, whose schema is typed already: write the target's revision from `pg_dump -s`");
  }
  auto source = db::open_data_connection(url, true);
  const std::vector<db::TableInfo> tables = source->tables();
  SchemaRevision result;
  result.draft = transfer::draft_schema(tables, transfer::profile_source(*source, sample), spec);
  return result;
}

std::string schema_revision_name(const std::string& transfer) {
  std::string name;
  for (char c : "transfer_" + transfer + "_schema") {
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
  }
  return name;
}

void write_drafted_revision(Project& project, const config::TransferSpec& spec, SchemaRevision& revision) {
  const config::DatabaseUrl url = source_url(spec.from, project.manifest(), project.env());
  const NewRevision written = new_revision(project.manifest(), spec.to, schema_revision_name(spec.name), false);
  const std::string header = "-- migrate transfer schema " + spec.name + " (from " + url.redacted + ")\n";
  for (const std::filesystem::path& file : written.files) {
    const bool up = file.filename().string().find(".up.") != std::string::npos;
    util::write_file_atomically(file, header + (up ? revision.draft.up_sql : revision.draft.down_sql));
  }
  revision.version = written.version;
  revision.files = written.files;
}

TransferStatus transfer_status(Project& project, const TransferSelector& selector) {
  TransferStatus status;
  const config::TransferSpec spec = select_transfer(selector, project.manifest());
  const config::ServiceConfig& service = project.manifest().service(spec.to);
  const config::DatabaseUrl url = project.url(service);
  status.transfer = spec.name;
  status.target = service.name;
  if (url.dialect != Dialect::postgres) return status;
  auto target = db::open_data_connection(url, true);
  status.tables = transfer::read_progress(*target, spec.name);
  status.runs = transfer::read_runs(*target, spec.name, k_status_runs);
  return status;
}

}  // namespace migrate::orchestrate
