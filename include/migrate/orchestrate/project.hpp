// A loaded project: the manifest, its environment, and per service the database URL,
// the revisions and one shared connection per database.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "migrate/backup/backup_store.hpp"
#include "migrate/config/manifest.hpp"
#include "migrate/db/driver.hpp"
#include "migrate/run/runner.hpp"
#include "migrate/source/checksum_cache.hpp"

namespace migrate::orchestrate {

/// Owns the manifest and the connections of one command. Connections are opened lazily,
/// one per distinct database, and kept for the whole command.
class Project {
 public:
  /// Loads the manifest at manifest_path and the .env file beside it.
  /// Throws ConfigError for a bad manifest.
  Project(const std::filesystem::path& manifest_path, std::optional<std::string> database_url,
          db::OpenMode mode);
  Project(config::Manifest manifest, config::Environment env,
          std::optional<std::string> database_url, db::OpenMode mode);

  const config::Manifest& manifest() const { return m_manifest; }
  /// The environment with the manifest's .env applied.
  const config::Environment& env() const { return m_env; }

  /// The named service, or every service in dependency order when name is empty.
  /// Throws UsageError for an unknown name.
  std::vector<const config::ServiceConfig*> select(const std::string& name) const;

  /// The service's database URL. Throws UsageError for a bad URL.
  const config::DatabaseUrl& url(const config::ServiceConfig& service);

  /// The service's revisions resolved for its database's dialect (cached). Scripts are
  /// loaded without their text (RevisionScript::deferred), and files whose stamp the
  /// checksum cache (<project>/.migrate-cache/) knows are not read again.
  /// Throws ConfigError for a bad migrations folder; touches no database.
  const ServiceRevisions& revisions(const config::ServiceConfig& service);

  /// Forgets the service's cached revisions: the next revisions() reads its folder again
  /// (after a command wrote a revision into it).
  void forget_revisions(const config::ServiceConfig& service) { m_revisions.erase(service.name); }

  /// Loads and validates the revisions of every listed service, so that bad files stop
  /// a command before any database is touched. Meanwhile the PostgreSQL databases of
  /// those services are connected to (read-only work: no query changes anything); a
  /// connection error is thrown by driver(), when the command first needs it.
  void load_all(const std::vector<const config::ServiceConfig*>& services);

  /// Reads and hashes every revision file, trusting no cache (`verify`). Call before
  /// revisions() or load_all().
  void rehash_all() { m_use_cache = false; }

  /// The shared connection to the service's database. Throws DatabaseUnreachable.
  db::Driver& driver(const config::ServiceConfig& service);

  /// Every service of the manifest whose database is the service's own (itself
  /// included), in manifest order, compared by config::database_identity (however the
  /// URLs are spelled). Services whose URL cannot be resolved are left out.
  std::vector<const config::ServiceConfig*> sharing_database(const config::ServiceConfig& service);

  /// What a backup of the service's database records: the database's identity and
  /// each service on it with its applied head now (read on the shared connection).
  backup::BackupInfo backup_info(const config::ServiceConfig& service);

 private:
  config::Manifest m_manifest;
  config::Environment m_env;
  std::optional<std::string> m_database_url;
  db::OpenMode m_mode;
  std::map<std::string, config::DatabaseUrl> m_urls;
  std::map<std::string, ServiceRevisions> m_revisions;
  std::map<std::string, std::unique_ptr<db::Driver>> m_drivers;  ///< by DatabaseUrl::key()
  std::map<std::string, std::exception_ptr> m_open_errors;       ///< of load_all's connections
  bool m_use_cache = true;
  std::unique_ptr<source::ChecksumCache> m_cache;  ///< read on the first load
};

}  // namespace migrate::orchestrate
