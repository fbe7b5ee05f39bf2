// One status read per cache window, through the orchestration layer's read verb.
#include "serve/status_cache.hpp"

#include "migrate/audit/audit_log.hpp"
#include "migrate/orchestrate/read_status.hpp"
#include "migrate/util/error.hpp"

namespace migrate::serve {

StatusCache::StatusCache(std::filesystem::path config, std::optional<std::string> database_url,
                         std::chrono::milliseconds window)
    : m_config(std::move(config)), m_database_url(std::move(database_url)), m_window(window) {}

std::shared_ptr<const Snapshot> StatusCache::get() {
  const std::lock_guard<std::mutex> lock(m_mutex);
  const auto now = std::chrono::steady_clock::now();
  if (!m_snapshot || now - m_read_at >= m_window) {
    m_snapshot = read();
    m_read_at = std::chrono::steady_clock::now();
  }
  return m_snapshot;
}

// A fresh project per read: a database that went away and came back is reconnected, and
// a manifest or revision folder edited meanwhile is seen.
std::shared_ptr<const Snapshot> StatusCache::read() const {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->generated_at = audit::iso8601_utc(std::chrono::system_clock::now());
  try {
    orchestrate::Project project(m_config, m_database_url, db::OpenMode::read_only);
    snapshot->services = orchestrate::read_status(project, "");
  } catch (const Error& e) {
    snapshot->error = e.what();
  }
  return snapshot;
}

}  // namespace migrate::serve
