// new: the next numbered revision files, from the skeletons in source/.
#include "migrate/orchestrate/new_revision.hpp"

#include <algorithm>
#include <system_error>

#include "migrate/source/revision_directory.hpp"
#include "migrate/source/revision_skeleton.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"

namespace migrate::orchestrate {

namespace {

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A step that compiles as written and does nothing until its author fills it in.
std::string step_skeleton(const std::string& service, const std::string& stem) {
  return "// " + service + " " + stem + R"(: describe the data change here.
#include "migrate/step/step.hpp"

namespace {

// Runs inside the transaction that records this revision; throw to roll it back.
void up([[maybe_unused]] migrate::step::Session& db) {
  // db.execute("ALTER TABLE ...");
  // db.for_each("SELECT id, payload FROM items", {}, [&](const migrate::step::Row& row) {
  //   db.execute("UPDATE items SET payload = $2 WHERE id = $1", {row.integer(0), transform(row.text(1))});
  // });
}

// Undoes exactly what up did. Leave it out (MIGRATE_STEP(up);) to make the step irreversible.
void down([[maybe_unused]] migrate::step::Session& db) {}

}  // namespace

MIGRATE_STEP(up, down);
)";
}

}  // namespace

Version next_revision_version(const config::ServiceConfig& service) {
  std::error_code ec;
  if (!std::filesystem::exists(service.migrations_dir, ec)) return 1;
  const std::vector<source::RevisionFile> files = source::scan_revision_files(service.migrations_dir);
  return files.empty() ? 1 : files.back().parsed.version + 1;
}

NewRevision new_revision(const config::Manifest& manifest, const std::string& service_name, const std::string& name,
                         bool cpp) {
  if (!valid_name(name)) {
    throw UsageError("revision name '" + name + "' must be snake_case: lowercase letters, digits, '_'");
  }
  const config::ServiceConfig& service = manifest.service(service_name);
  std::error_code ec;
  std::filesystem::create_directories(service.migrations_dir, ec);
  if (ec) throw UsageError("cannot create " + service.migrations_dir.string() + ": " + ec.message());

  // Validates the folder as a whole too: a new file beside a broken folder helps no one.
  const std::vector<source::RevisionFile> files = source::scan_revision_files(service.migrations_dir);
  NewRevision result;
  result.version = files.empty() ? 1 : files.back().parsed.version + 1;
  for (const source::RevisionFile& file : files) {
    const std::string label = format_version(file.parsed.version) + "_" + file.parsed.name;
    if (file.parsed.name == name &&
        std::find(result.same_name.begin(), result.same_name.end(), label) == result.same_name.end()) {
      result.same_name.push_back(label);
    }
  }
  const std::string stem = format_version(result.version) + "_" + name;
  // Each file is listed once written (write_new_file never replaces one), so a failure
  // removes only what this call wrote: an up file without its down file would be a
  // revision nobody meant.
  const auto write = [&](const std::filesystem::path& file, const std::string& text) {
    util::write_new_file(file, text);
    result.files.push_back(file);
  };
  try {
    if (cpp) {
      write(service.migrations_dir / (stem + ".cpp"), step_skeleton(service.name, stem));
    } else {
      write(service.migrations_dir / (stem + ".up.sql"),
            source::revision_skeleton(source::FileRole::up, service.name, stem));
      write(service.migrations_dir / (stem + ".down.sql"),
            source::revision_skeleton(source::FileRole::down, service.name, stem));
    }
  } catch (const std::runtime_error& e) {
    for (const auto& file : result.files) std::filesystem::remove(file, ec);
    throw UsageError(e.what());
  }
  return result;
}

}  // namespace migrate::orchestrate
