// Decides, file by file, what importing a drizzle-kit folder would write, and refuses
// anything that would change a revision the service already has.
#include "migrate/adopt/drizzle_import_plan.hpp"

#include <map>
#include <system_error>

#include "migrate/source/revision_directory.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"

namespace migrate::adopt {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void conflict(const DrizzleMigration& migration, const fs::path& existing, const std::string& why) {
  throw UsageError("cannot import " + migration.file.string() + ": " + existing.string() + " " + why +
                   "; move that file away or drop the migration in drizzle-kit, nothing was written");
}

// Whether existing already holds exactly the migration's bytes as its generic up file.
bool check_existing(const DrizzleMigration& migration, const source::RevisionFile& existing) {
  if (existing.parsed.name != migration.name) {
    conflict(migration, existing.path, "already has version " + std::to_string(migration.version) +
                                           " under the name '" + existing.parsed.name + "'");
  }
  if (existing.parsed.role == source::FileRole::step) {
    conflict(migration, existing.path, "is a C++ step of the same version");
  }
  if (existing.parsed.role == source::FileRole::down) return false;
  if (existing.parsed.variant) {
    conflict(migration, existing.path, "is a dialect variant that would stand in for the imported file");
  }
  std::string bytes;
  try {
    bytes = util::read_file(existing.path);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  if (bytes != migration.bytes) conflict(migration, existing.path, "holds other bytes");
  return true;
}

}  // namespace

DrizzleImportPlan plan_drizzle_import(const DrizzleFolder& folder, const fs::path& migrations_dir) {
  std::multimap<Version, source::RevisionFile> existing;
  std::error_code ec;
  if (fs::exists(migrations_dir, ec)) {
    for (source::RevisionFile& file : source::scan_revision_files(migrations_dir)) {
      existing.emplace(file.parsed.version, std::move(file));
    }
  }
  DrizzleImportPlan plan;
  for (const DrizzleMigration& migration : folder.migrations) {
    PlannedRevision planned{migration, migrations_dir / migration.revision_file_name(), false};
    const auto [first, last] = existing.equal_range(migration.version);
    for (auto it = first; it != last; ++it) {
      if (check_existing(migration, it->second)) planned.unchanged = true;
    }
    plan.revisions.push_back(std::move(planned));
  }
  return plan;
}

}  // namespace migrate::adopt
