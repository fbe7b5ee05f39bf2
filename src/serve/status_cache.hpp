// The shared status read of the server: one read per cache window, whoever asks (internal).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "migrate/status/service_status.hpp"

namespace migrate::serve {

/// Where every service stood at one moment.
struct Snapshot {
  std::vector<status::ServiceStatus> services;
  std::string generated_at;  ///< UTC ISO 8601
  std::string error;         ///< set when the manifest itself could not be read
};

/// Reads the status of every service at most once per window (single flight: callers that
/// arrive while a read is running wait for it and share its result). Each service is read
/// on its own thread and connection; one whose read has not ended within `read_timeout` is
/// an `error` status saying so, and is not read again until that read ends. Thread-safe.
class StatusCache {
 public:
  StatusCache(std::filesystem::path config, std::optional<std::string> database_url, std::chrono::milliseconds window,
              std::chrono::milliseconds read_timeout);

  /// The newest snapshot, read now when the cached one is older than the window.
  std::shared_ptr<const Snapshot> get();

  struct ServiceRead;  ///< one service's read in flight (internal)

 private:
  std::shared_ptr<const Snapshot> read();

  std::filesystem::path m_config;
  std::optional<std::string> m_database_url;
  std::chrono::milliseconds m_window;
  std::chrono::milliseconds m_read_timeout;
  std::mutex m_mutex;
  std::shared_ptr<const Snapshot> m_snapshot;
  std::chrono::steady_clock::time_point m_read_at;
  std::map<std::string, std::shared_ptr<ServiceRead>> m_unfinished;  ///< reads that outlived their bound
};

}  // namespace migrate::serve
