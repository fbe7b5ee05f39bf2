// A database's identity read through libpq's own connection-string parser.
#include "migrate/config/database_identity.hpp"

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <system_error>

namespace migrate::config {

namespace {

std::map<std::string, std::string> libpq_options(const std::string& conninfo) {
  std::map<std::string, std::string> values;
  char* error = nullptr;
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(conninfo.c_str(), &error),
                                                                              &PQconninfoFree);
  PQfreemem(error);
  if (!options) return values;
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val != nullptr && *option->val != '\0') values[option->keyword] = option->val;
  }
  return values;
}

std::string value_or(const std::map<std::string, std::string>& values, const std::string& key,
                     const std::string& fallback) {
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
  const auto values = libpq_options(url.conninfo);
  const std::string host = value_or(values, "host", value_or(values, "hostaddr", "localhost"));
  const std::string user = value_or(values, "user", "");
  return "postgres://" + host + ":" + value_or(values, "port", "5432") + "/" + value_or(values, "dbname", user);
}

}  // namespace migrate::config
