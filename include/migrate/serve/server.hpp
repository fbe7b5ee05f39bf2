// `migrate serve`: a read-only web server for the migration status page and its JSON API.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace migrate::serve {

/// What the server is asked to do.
struct ServeOptions {
  std::filesystem::path config = "migrate.toml";
  std::optional<std::string> database_url;  ///< --database-url
  std::string listen = "127.0.0.1:8080";    ///< host:port; port 0 picks a free one
  std::string token;  ///< when not empty, every endpoint but /healthz requires `Authorization: Bearer <token>`
  std::chrono::milliseconds refresh{30'000};      ///< how often the page fetches the API
  std::chrono::milliseconds cache{2'000};         ///< at most one status read per window, however many clients poll
  std::chrono::milliseconds read_timeout{5'000};  ///< a service whose status read takes longer is reported as an error
  int threads = 8;                                ///< worker threads
};

/// A parsed --listen value.
struct ListenAddress {
  std::string host;
  int port = 0;
  bool loopback = false;  ///< 127.0.0.0/8, ::1 or localhost
};

/// Parses "host:port", "[v6]:port" or ":port" (loopback). Throws UsageError naming the value.
ListenAddress parse_listen_address(const std::string& text);

/// Serves until SIGINT or SIGTERM, then stops accepting, finishes the requests in flight
/// and returns (a requested stop is a clean one: `migrate serve` exits 0). Calls `listening` with the base URL
/// ("http://127.0.0.1:8080/") once the socket is bound. Throws UsageError for a bad address, a non-loopback address
/// without a token, or an address that cannot be bound; ConfigError for a bad manifest.
void serve(const ServeOptions& options, const std::function<void(const std::string& url)>& listening);

}  // namespace migrate::serve
