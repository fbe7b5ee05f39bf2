// The shared status read of the server: one read per cache window, whoever asks (internal).
#pragma once

#include <chrono>
#include <filesystem>
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
/// arrive while a read is running wait for it and share its result). Thread-safe.
class StatusCache {
 public:
  StatusCache(std::filesystem::path config, std::optional<std::string> database_url, std::chrono::milliseconds window);

  /// The newest snapshot, read now when the cached one is older than the window.
  std::shared_ptr<const Snapshot> get();

 private:
  std::shared_ptr<const Snapshot> read() const;

  std::filesystem::path m_config;
  std::optional<std::string> m_database_url;
  std::chrono::milliseconds m_window;
  std::mutex m_mutex;
  std::shared_ptr<const Snapshot> m_snapshot;
  std::chrono::steady_clock::time_point m_read_at;
};

}  // namespace migrate::serve
