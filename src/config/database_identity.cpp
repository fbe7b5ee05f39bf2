// A database's identity read through libpq's own connection-string parser and defaults.
#include "migrate/config/database_identity.hpp"

#include <map>
#include <memory>
#include <system_error>

#include "config/libpq_api.hpp"

namespace migrate::config {

namespace {

using Options = std::map<std::string, std::string>;

Options to_map(PQconninfoOption* options) {
  Options values;
  if (options == nullptr) return values;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val != nullptr && *option->val != '\0') values[option->keyword] = option->val;
  }
  return values;
}

// What the URL says, then what libpq would take from the environment (PGHOST, PGPORT,
// PGDATABASE, PGUSER, PGSERVICE) and its built-in defaults (the port, the OS user): the
// same reading libpq makes when it connects, short of opening a service file.
Options effective_options(const std::string& conninfo) {
  const LibpqApi& pq = libpq();
  char* error = nullptr;
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(pq.conninfo_parse(conninfo.c_str(), &error),
                                                                             pq.conninfo_free);
  pq.freemem(error);
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> defaults(pq.conndefaults(), pq.conninfo_free);
  Options values = to_map(defaults.get());
  for (auto& [key, value] : to_map(parsed.get())) values[key] = value;
  return values;
}

std::string value_or(const Options& values, const std::string& key, const std::string& fallback) {
  const auto it = values.find(key);
  return it == values.end() ? fallback : it->second;
}

}  // namespace

std::string database_identity(const DatabaseUrl& url) {
  if (url.dialect == Dialect::sqlite) {
    std::error_code ec;
    const std::filesystem::path canonical = std::filesystem::weakly_canonical(url.sqlite_path, ec);
    return "sqlite:" + (ec ? url.sqlite_path : canonical).string();
  }
  const Options values = effective_options(url.conninfo);
  const std::string host = value_or(values, "host", value_or(values, "hostaddr", "[local socket]"));
  const std::string user = value_or(values, "user", "");
  std::string identity =
      "postgres://" + host + ":" + value_or(values, "port", "5432") + "/" + value_or(values, "dbname", user);
  // A service file may name the host and database: two services are two databases.
  const std::string service = value_or(values, "service", "");
  if (!service.empty()) identity += "?service=" + service;
  return identity;
}

}  // namespace migrate::config
