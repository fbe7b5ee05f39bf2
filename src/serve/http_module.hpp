// The entry point of the HTTP server module (libmigrate_serve.so): cpp-httplib and the
// OpenSSL, zlib and Brotli libraries it pulls in (and initialises when loaded) are mapped
// only by `migrate serve`, not by every command. The module takes the rest of migrate
// from the executable that loads it.
#pragma once

#include <functional>
#include <string>

#include "migrate/serve/server.hpp"

namespace migrate::serve {

/// What the module exports under k_http_module_symbol.
struct HttpModule {
  int abi;              ///< k_http_module_abi of the module's build
  const char* version;  ///< the project version the module was built from
  void (*serve)(const ServeOptions& options, const std::function<void(const std::string& url)>& listening);
};

/// Raised whenever HttpModule changes shape.
constexpr int k_http_module_abi = 1;
constexpr const char* k_http_module_symbol = "migrate_http_module";
constexpr const char* k_http_module_file = "libmigrate_serve.so";

/// serve(), as the module defines it (server.cpp).
void serve_http(const ServeOptions& options, const std::function<void(const std::string& url)>& listening);

}  // namespace migrate::serve
