// What killed runs may leave in the backup folder: never a half-written backup under a final
// name; hidden .partial files are counted, not judged.
#pragma once

#include <filesystem>

#include "migrate/model/dialect.hpp"

namespace migrate::robustness {

/// CHECKs that every backup under its final name is whole: a plain pg_dump file that ends
/// its dump, or a SQLite file that passes PRAGMA integrity_check.
void check_backups(const std::filesystem::path& backup_dir, Dialect dialect);

/// How many hidden `.….partial` files the folder holds (runs killed mid-backup leave them).
int leftover_partials(const std::filesystem::path& backup_dir);

}  // namespace migrate::robustness
