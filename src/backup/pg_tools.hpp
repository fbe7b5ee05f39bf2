// Finding PostgreSQL client programs, and handing them a connection with no secret in
// their argv (internal to backup/).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "migrate/config/database_url.hpp"

namespace migrate::backup {

struct PgTool {
  std::filesystem::path path;
  int major = 0;
};

/// name (pg_dump, psql, pg_restore) on PATH, else the newest /usr/lib/postgresql/*/bin.
/// Throws BackupFailed when it is nowhere or does not report a version.
PgTool locate_pg_tool(const std::string& name);

/// How a client program reaches url's database while its command line (visible to every
/// user in ps) holds no secret: the password travels in PGPASSWORD, every other parameter
/// libpq read from the URL (sslpassword too) in a service file of mode 0600 in a private
/// 0700 folder, named by PGSERVICEFILE and PGSERVICE=migrate. The folder is removed on
/// destruction. Throws BackupFailed when it cannot be written, or when a value cannot be
/// written into a service file (a line break, trailing blanks).
class PgClientAccess {
 public:
  explicit PgClientAccess(const config::DatabaseUrl& url);
  ~PgClientAccess();
  PgClientAccess(const PgClientAccess&) = delete;
  PgClientAccess& operator=(const PgClientAccess&) = delete;

  /// Variables to add to the child's environment.
  const std::map<std::string, std::string>& environment() const { return m_environment; }

  /// What a program that connects needs in its argv: nothing, or, when the URL names a
  /// service of its own (service files do not nest), --dbname with its non-secret
  /// parameters.
  const std::vector<std::string>& connection_arguments() const { return m_arguments; }

 private:
  std::filesystem::path m_folder;  ///< empty when no service file was written
  std::map<std::string, std::string> m_environment;
  std::vector<std::string> m_arguments;
};

}  // namespace migrate::backup
