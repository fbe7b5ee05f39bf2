// Lazy, cached resolution of URLs, revisions and connections per service.
#include "migrate/orchestrate/project.hpp"

#include "migrate/config/database_identity.hpp"
#include "migrate/source/revision_directory.hpp"
#include "migrate/util/error.hpp"

namespace migrate::orchestrate {

Project::Project(const std::filesystem::path& manifest_path, std::optional<std::string> database_url,
                 db::OpenMode mode)
    : Project(config::load_manifest(manifest_path),
              config::Environment::from_process(
                  std::filesystem::absolute(manifest_path).parent_path() / ".env"),
              std::move(database_url), mode) {}

Project::Project(config::Manifest manifest, config::Environment env,
                 std::optional<std::string> database_url, db::OpenMode mode)
    : m_manifest(std::move(manifest)),
      m_env(std::move(env)),
      m_database_url(std::move(database_url)),
      m_mode(mode) {}

std::vector<const config::ServiceConfig*> Project::select(const std::string& name) const {
  return m_manifest.select(name);
}

const config::DatabaseUrl& Project::url(const config::ServiceConfig& service) {
  auto it = m_urls.find(service.name);
  if (it == m_urls.end()) {
    it = m_urls.emplace(service.name,
                        config::resolve_database_url(m_manifest, service, m_env, m_database_url))
             .first;
  }
  return it->second;
}

const ServiceRevisions& Project::revisions(const config::ServiceConfig& service) {
  auto it = m_revisions.find(service.name);
  if (it == m_revisions.end()) {
    ServiceRevisions loaded{service.name,
                                 source::load_revisions(service.migrations_dir, url(service).dialect, service.name)};
    it = m_revisions.emplace(service.name, std::move(loaded)).first;
  }
  return it->second;
}

void Project::load_all(const std::vector<const config::ServiceConfig*>& services) {
  for (const config::ServiceConfig* service : services) revisions(*service);
}

db::Driver& Project::driver(const config::ServiceConfig& service) {
  const config::DatabaseUrl& database = url(service);
  auto it = m_drivers.find(database.key());
  if (it == m_drivers.end()) {
    it = m_drivers.emplace(database.key(), db::open_driver(database, m_mode)).first;
  }
  return *it->second;
}

std::vector<const config::ServiceConfig*> Project::sharing_database(const config::ServiceConfig& service) {
  // By identity, not by URL text: two spellings of one database are one database.
  const std::string identity = config::database_identity(url(service));
  std::vector<const config::ServiceConfig*> sharing;
  for (const config::ServiceConfig& other : m_manifest.services) {
    try {
      if (&other == &service || config::database_identity(url(other)) == identity) sharing.push_back(&other);
    } catch (const Error&) {
      // Another service's URL that does not resolve cannot be this database.
    }
  }
  return sharing;
}

backup::BackupInfo Project::backup_info(const config::ServiceConfig& service) {
  backup::BackupInfo info;
  info.database = config::database_identity(url(service));
  info.url = url(service).redacted;
  db::Driver& connection = driver(service);
  for (const config::ServiceConfig* other : sharing_database(service)) {
    const auto history = connection.history().read(other->name);
    info.services[other->name] = history.empty() ? std::nullopt : std::optional<Version>(history.back().version);
  }
  return info;
}

}  // namespace migrate::orchestrate
