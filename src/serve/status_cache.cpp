// One status read per cache window, through the orchestration layer's read verb, each
// service on its own thread so that a slow or hung database holds up only its own row.
#include "serve/status_cache.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <thread>

#include "migrate/audit/audit_log.hpp"
#include "migrate/orchestrate/read_status.hpp"
#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"

namespace migrate::serve {

struct StatusCache::ServiceRead {
  std::mutex mutex;
  std::condition_variable ended;
  std::optional<status::ServiceStatus> result;
};

namespace {

// A fresh project per read: a database that went away and came back is reconnected, and
// a manifest or revision folder edited meanwhile is seen. The thread owns copies of all it
// uses, so a read that outlives its bound (and the server) touches nothing of theirs.
void start_read(const std::shared_ptr<StatusCache::ServiceRead>& read, std::filesystem::path config,
                std::optional<std::string> database_url, std::string service) {
  std::thread([read, config = std::move(config), database_url = std::move(database_url), service = std::move(service)] {
    status::ServiceStatus result;
    try {
      orchestrate::Project project(config, database_url, db::OpenMode::read_only);
      result = orchestrate::read_status(project, service).at(0);
    } catch (const std::exception& e) {
      result = status::failed_status(service, "", e.what());
    }
    {
      const std::lock_guard<std::mutex> lock(read->mutex);
      read->result = std::move(result);
    }
    read->ended.notify_all();
  }).detach();
}

}  // namespace

StatusCache::StatusCache(std::filesystem::path config, std::optional<std::string> database_url,
                         std::chrono::milliseconds window, std::chrono::milliseconds read_timeout)
    : m_config(std::move(config)),
      m_database_url(std::move(database_url)),
      m_window(window),
      m_read_timeout(read_timeout) {}

std::shared_ptr<const Snapshot> StatusCache::get() {
  const std::lock_guard<std::mutex> lock(m_mutex);
  const auto now = std::chrono::steady_clock::now();
  if (!m_snapshot || now - m_read_at >= m_window) {
    m_snapshot = read();
    m_read_at = std::chrono::steady_clock::now();
  }
  return m_snapshot;
}

// Called with m_mutex held (single flight).
std::shared_ptr<const Snapshot> StatusCache::read() {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->generated_at = audit::iso8601_utc(std::chrono::system_clock::now());
  struct Pending {
    std::string service;
    std::string database;
    std::shared_ptr<ServiceRead> read;
  };
  std::vector<Pending> reads;
  try {
    orchestrate::Project project(m_config, m_database_url, db::OpenMode::read_only);
    for (const config::ServiceConfig* service : project.select("")) {
      std::string database;
      try {
        database = project.url(*service).redacted;
      } catch (const Error&) {
        // the service's own read reports why
      }
      std::shared_ptr<ServiceRead>& read = m_unfinished[service->name];
      if (read) {
        // A read that outlived an earlier bound and has ended since is old news: read again.
        const std::lock_guard<std::mutex> ended(read->mutex);
        if (read->result) read.reset();
      }
      if (!read) {
        read = std::make_shared<ServiceRead>();
        start_read(read, m_config, m_database_url, service->name);
      }
      reads.push_back({service->name, database, read});
    }
  } catch (const Error& e) {
    snapshot->error = e.what();
    return snapshot;
  }
  const auto deadline = std::chrono::steady_clock::now() + m_read_timeout;
  for (Pending& pending : reads) {
    std::unique_lock<std::mutex> lock(pending.read->mutex);
    if (pending.read->ended.wait_until(lock, deadline, [&] { return pending.read->result.has_value(); })) {
      snapshot->services.push_back(*pending.read->result);
      m_unfinished.erase(pending.service);
      continue;
    }
    spdlog::warn("{}: the status read has not ended after {}", pending.service, util::format_duration(m_read_timeout));
    snapshot->services.push_back(status::failed_status(
        pending.service, pending.database,
        "timed out after " + util::format_duration(m_read_timeout) +
            " reading the status: the database is slow or does not answer (the read goes on and is not "
            "repeated until it ends)"));
  }
  return snapshot;
}

}  // namespace migrate::serve
