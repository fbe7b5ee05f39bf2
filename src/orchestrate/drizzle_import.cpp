// import drizzle: validate the whole drizzle-kit folder, then write its revision files.
#include "migrate/orchestrate/drizzle_import.hpp"

#include <system_error>

#include "migrate/adopt/drizzle_import_plan.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"

namespace migrate::orchestrate {

namespace {

ImportedRevision imported(const adopt::PlannedRevision& planned) {
  const adopt::DrizzleMigration& migration = planned.migration;
  return {migration.version, migration.version_text, migration.name, migration.tag, migration.file, planned.target};
}

}  // namespace

DrizzleImportReport import_drizzle(const config::Manifest& manifest, const std::string& service_name,
                                   const std::filesystem::path& folder, const config::DatabaseUrl& database,
                                   bool dry_run) {
  const config::ServiceConfig& service = manifest.service(service_name);
  const adopt::DrizzleFolder drizzle = adopt::read_drizzle_folder(folder);
  adopt::check_drizzle_dialect(drizzle, database.dialect,
                               "the database of " + service.name + " (" + database.redacted + ")");
  const adopt::DrizzleImportPlan plan = adopt::plan_drizzle_import(drizzle, service.migrations_dir);

  DrizzleImportReport report;
  report.service = service.name;
  report.folder = folder;
  report.layout = drizzle.layout;
  report.dry_run = dry_run;
  report.unlisted = drizzle.unlisted;
  for (const adopt::PlannedRevision& planned : plan.revisions) {
    (planned.unchanged ? report.unchanged : report.written).push_back(imported(planned));
  }
  if (dry_run || report.written.empty()) return report;

  std::error_code ec;
  std::filesystem::create_directories(service.migrations_dir, ec);
  if (ec) throw UsageError("cannot create " + service.migrations_dir.string() + ": " + ec.message());
  // A half-done import would leave a gap in the middle of drizzle's order: on a failure,
  // the files this call wrote go again (none of them existed before: the plan says so).
  std::size_t done = 0;
  try {
    for (const adopt::PlannedRevision& planned : plan.revisions) {
      if (planned.unchanged) continue;
      util::write_file_atomically(planned.target, planned.migration.bytes);
      ++done;
    }
  } catch (const std::runtime_error& e) {
    for (std::size_t i = 0; i < done; ++i) std::filesystem::remove(report.written[i].file, ec);
    throw UsageError(std::string(e.what()) + "; nothing was imported");
  }
  return report;
}

}  // namespace migrate::orchestrate
