// Lazy, cached resolution of URLs, revisions and connections per service.
#include "migrate/orchestrate/project.hpp"

#include <chrono>
#include <future>

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
    const Dialect dialect = url(service).dialect;
    if (m_use_cache && !m_cache && !m_manifest.dir.empty()) {
      m_cache = std::make_unique<source::ChecksumCache>(m_manifest.dir / ".migrate-cache" / "checksums");
    }
    source::LoadOptions options;
    options.cache = m_use_cache ? m_cache.get() : nullptr;
    options.keep_text = false;
    ServiceRevisions loaded{service.name, source::load_revisions(service.migrations_dir, dialect, service.name,
                                                                 step::registered_steps(), options)};
    if (options.cache != nullptr) options.cache->save();
    it = m_revisions.emplace(service.name, std::move(loaded)).first;
  }
  return it->second;
}

namespace {

// How long a bad folder's report waits for a connection attempt in flight.
constexpr std::chrono::seconds k_abandon_after{3};

}  // namespace

void Project::load_all(const std::vector<const config::ServiceConfig*>& services) {
  // The PostgreSQL databases not yet connected to, by key; a URL that does not resolve
  // is left for revisions() to report in its turn.
  // Copies: a connection attempt abandoned below must not point into this frame.
  std::map<std::string, config::DatabaseUrl> to_open;
  for (const config::ServiceConfig* service : services) {
    try {
      const config::DatabaseUrl& database = url(*service);
      if (database.dialect == Dialect::postgres && m_drivers.count(database.key()) == 0) {
        to_open.emplace(database.key(), database);
      }
    } catch (const Error&) {
      break;
    }
  }
  using Opened = std::map<std::string, std::pair<std::unique_ptr<db::Driver>, std::exception_ptr>>;
  std::future<Opened> opening;
  if (!to_open.empty()) {
    opening = std::async(std::launch::async, [to_open, mode = m_mode] {
      Opened opened;
      for (const auto& [key, database] : to_open) {
        try {
          opened[key].first = db::open_driver(database, mode);
        } catch (...) {
          opened[key].second = std::current_exception();
        }
      }
      return opened;
    });
  }
  // Connecting overlaps reading and hashing the folders; a bad folder still wins, and
  // the connections made meanwhile are closed unused.
  try {
    for (const config::ServiceConfig* service : services) revisions(*service);
  } catch (...) {
    // A bad folder is reported without waiting for a host that does not answer: an
    // attempt still under way after k_abandon_after is left to the process's exit (the
    // future is kept where its destructor, which would wait for it, never runs). An
    // answering server finishes well within that time, so no connecting thread is still
    // running code while the process exits.
    if (opening.valid() && opening.wait_for(k_abandon_after) != std::future_status::ready) {
      static auto* abandoned = new std::vector<std::future<Opened>>();  // reachable until exit, never destroyed
      abandoned->push_back(std::move(opening));
    }
    throw;
  }
  m_cache.reset();  // saved; its entries are not needed for the rest of the command
  if (!opening.valid()) return;
  for (auto& [key, result] : opening.get()) {
    if (result.first) {
      m_drivers.emplace(key, std::move(result.first));
    } else {
      m_open_errors[key] = result.second;
    }
  }
}

db::Driver& Project::driver(const config::ServiceConfig& service) {
  const config::DatabaseUrl& database = url(service);
  auto it = m_drivers.find(database.key());
  if (it == m_drivers.end()) {
    if (const auto failed = m_open_errors.find(database.key()); failed != m_open_errors.end()) {
      const std::exception_ptr error = failed->second;
      m_open_errors.erase(failed);
      std::rethrow_exception(error);
    }
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
