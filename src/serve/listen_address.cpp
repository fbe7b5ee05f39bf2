// Parsing --listen: host and port, and whether the host is a loopback address.
#include <cctype>

#include "migrate/serve/server.hpp"
#include "migrate/util/error.hpp"

namespace migrate::serve {

namespace {

bool is_loopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

}  // namespace

ListenAddress parse_listen_address(const std::string& text) {
  const std::string usage = "--listen " + text + ": expected host:port, e.g. 127.0.0.1:8080, [::1]:8080 or :8080";
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) throw UsageError(usage);
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string::npos)
    throw UsageError(usage);
  if (host.empty()) host = "127.0.0.1";
  if (port.empty() || port.size() > 5) throw UsageError(usage);
  for (const char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) throw UsageError(usage);
  }
  const int number = std::stoi(port);
  if (number > 65535) throw UsageError("--listen " + text + ": the port must be 0..65535");
  return {host, number, is_loopback(host)};
}

}  // namespace migrate::serve
