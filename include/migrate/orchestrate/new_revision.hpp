// The `new` verb: write the next numbered revision files of a service.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "migrate/config/manifest.hpp"
#include "migrate/model/revision.hpp"

namespace migrate::orchestrate {

/// What `new` wrote.
struct NewRevision {
  Version version = 0;
  std::vector<std::filesystem::path> files;
  /// Revisions of the service already named so: the name is not unique (a warning).
  std::vector<std::string> same_name;
};

/// The version new_revision would give the service's next revision now: one above the
/// highest in its folder, 1 for an empty or missing folder. Throws ConfigError for a bad
/// folder.
Version next_revision_version(const config::ServiceConfig& service);

/// Writes `<next>_<name>.up.sql` and `.down.sql` (or `<next>_<name>.cpp` when cpp) into
/// the service's folder, `next` being one above the highest version there. The folder is
/// validated as a whole first. Throws UsageError for a name that is not snake_case, a
/// bad folder, or a file that cannot be written (nothing is left half-written).
NewRevision new_revision(const config::Manifest& manifest, const std::string& service, const std::string& name,
                         bool cpp);

}  // namespace migrate::orchestrate
