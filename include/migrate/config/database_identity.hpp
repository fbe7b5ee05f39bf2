// Which database a URL points at, independent of how the URL is spelled and of who logs
// in: what backups record so that a backup is never restored into another database.
#pragma once

#include <string>

#include "migrate/config/database_url.hpp"

namespace migrate::config {

/// "postgres://<host>:<port>/<dbname>" (libpq's own reading of the URL, with its
/// defaults: host localhost, port 5432, dbname the user's name) or
/// "sqlite:<absolute, symlink-resolved path>". Never holds a password.
std::string database_identity(const DatabaseUrl& url);

}  // namespace migrate::config
