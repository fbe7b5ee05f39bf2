// Finding PostgreSQL client programs and their major versions (internal to backup/).
#pragma once

#include <filesystem>
#include <string>

namespace migrate::backup {

struct PgTool {
  std::filesystem::path path;
  int major = 0;
};

/// name (pg_dump, psql, pg_restore) on PATH, else the newest /usr/lib/postgresql/*/bin.
/// Throws BackupFailed when it is nowhere or does not report a version.
PgTool locate_pg_tool(const std::string& name);

}  // namespace migrate::backup
