// A drizzle-kit out folder read as values: its migrations in journal order, with their bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "migrate/model/dialect.hpp"
#include "migrate/model/revision.hpp"

namespace migrate::adopt {

/// How drizzle-kit laid the folder out.
enum class DrizzleLayout {
  journal,  ///< `meta/_journal.json` lists `<tag>.sql` files (drizzle-kit up to 0.x)
  folders,  ///< one folder per migration, `<14 digits>_<name>/migration.sql` (the 1.0 beta)
};

/// drizzle-kit's `migrations.prefix` setting, as the tag's digits show it.
enum class DrizzlePrefix {
  index,         ///< `0000_`: the journal index, zero-padded to four digits
  timestamp,     ///< `20240131120000_`: 14 digits, UTC (also the `supabase` setting)
  unix_seconds,  ///< `1706702400_`: 10 digits, seconds since 1970 (the `unix` setting)
};

/// "journal" or "folders".
const char* to_string(DrizzleLayout layout) noexcept;
/// "index", "timestamp" or "unix".
const char* to_string(DrizzlePrefix prefix) noexcept;

/// One migration of the folder.
struct DrizzleMigration {
  std::string tag;           ///< `0060_disable-aggressive-cache`, or the beta folder's name
  std::int64_t idx = 0;      ///< the journal's idx (beta: the position, from 0)
  std::int64_t when = 0;     ///< the journal's `when` (ms since 1970); 0 in the beta layout
  bool breakpoints = false;  ///< the journal's `breakpoints` (beta: true)
  Version version = 0;       ///< the tag's numeric prefix
  std::string version_text;  ///< the prefix as spelled, leading zeros kept ("0060")
  std::string name;          ///< the rest of the tag after the first '_'
  DrizzlePrefix prefix = DrizzlePrefix::index;
  std::filesystem::path file;  ///< the SQL file read
  std::string bytes;           ///< its bytes, exactly

  /// `<version_text>_<name>.up.sql`, the revision file this migration becomes.
  std::string revision_file_name() const;
};

/// The whole folder.
struct DrizzleFolder {
  std::filesystem::path root;
  DrizzleLayout layout = DrizzleLayout::journal;
  std::string dialect;  ///< the journal's `dialect` ("postgresql", "sqlite" …); empty in the beta layout
  std::vector<DrizzleMigration> migrations;  ///< in journal order (beta: by folder name)
  /// SQL files the journal does not list (sorted): they are reported, never imported.
  std::vector<std::filesystem::path> unlisted;
};

/// Reads a drizzle-kit out folder: `meta/_journal.json` and each entry's `<tag>.sql`, or,
/// with no journal, the beta layout's `<14 digits>_<name>/migration.sql` folders. Reads
/// only. Throws UsageError (exit 2), naming the file and the way out, when the folder or
/// the journal is missing or unparsable, an entry's file is missing or unreadable or holds
/// a NUL byte, a tag does not give a valid revision name (`<1–18 digits>_<name>`, name
/// `[A-Za-z0-9][A-Za-z0-9_.-]*`), two entries give the same version, or the journal's
/// order is not the order of the versions (migrate applies ascending versions).
DrizzleFolder read_drizzle_folder(const std::filesystem::path& root);

/// Checks that drizzle-kit wrote the folder's SQL for the database's dialect: a journal
/// `dialect` of "postgresql" (or the older "pg") runs on PostgreSQL, "sqlite" (or "turso")
/// on SQLite; a folder without one (the beta layout) is not checked. Throws UsageError
/// (exit 2) naming both dialects, `database` (what the caller says of the service's
/// database, its URL redacted) and the way out.
void check_drizzle_dialect(const DrizzleFolder& folder, Dialect dialect, const std::string& database);

}  // namespace migrate::adopt
