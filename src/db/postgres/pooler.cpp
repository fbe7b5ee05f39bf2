// Detecting a connection pooler in front of PostgreSQL.
#include "db/postgres/pooler.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "migrate/util/text.hpp"

namespace migrate::db {

namespace {

// The host libpq connects to (its first, for a list), or "".
std::string host_of(const config::DatabaseUrl& url) {
  for (const auto& [keyword, value] : url.parameters) {
    if (keyword == "host") return value.substr(0, value.find(','));
  }
  return "";
}

// Neon names its pooled endpoints `<endpoint>-pooler.<region>…`; the direct one drops
// the suffix.
constexpr std::string_view k_pooler_suffix = "-pooler";

bool pooler_host(std::string_view host) {
  const std::string_view label = host.substr(0, host.find('.'));
  return label.size() > k_pooler_suffix.size() &&
         label.substr(label.size() - k_pooler_suffix.size()) == k_pooler_suffix;
}

}  // namespace

bool detect_pooler(const config::DatabaseUrl& url, int client_pid, int server_pid) {
  if (url.pooled) return *url.pooled;
  const std::string host = host_of(url);
  const bool by_host = pooler_host(host);
  if (!by_host && client_pid == server_pid) return false;
  std::string hint = "run migrations over the database's direct URL where there is one";
  if (by_host) {
    const std::size_t dot = host.find('.');
    const std::string label = host.substr(0, dot);
    hint += " (here the host " + label.substr(0, label.size() - k_pooler_suffix.size()) +
            (dot == std::string::npos ? "" : host.substr(dot)) + ")";
  }
  spdlog::warn(
      "{} is reached through a connection pooler ({}): the migration lock keeps no session state there, "
      "so a runner that dies holding it is known only once its heartbeat is older than lock_stale_after; {}, "
      "or set `pooled = true` for the service to say so",
      url.redacted, by_host ? "a -pooler host" : "the server session is not the connection's own", hint);
  return true;
}

}  // namespace migrate::db
