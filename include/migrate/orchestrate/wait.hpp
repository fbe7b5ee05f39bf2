// The `wait` verb: block until each selected service's database answers.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "migrate/config/manifest.hpp"

namespace migrate::orchestrate {

/// A database that answered.
struct Answered {
  std::string service;
  std::string database;  ///< redacted URL
};

/// Opens each selected service's database read-only (creating nothing) until it answers,
/// retrying every 500 ms until `timeout` has passed overall; calls `answered` for each as
/// it does. Throws DatabaseUnreachable with the last error after the timeout, UsageError
/// for a bad URL, Interrupted on SIGINT/SIGTERM.
void wait_for_databases(const config::Manifest& manifest, const std::optional<std::string>& database_url,
                        const std::string& service, std::chrono::milliseconds timeout,
                        const std::function<void(const Answered&)>& answered);

}  // namespace migrate::orchestrate
