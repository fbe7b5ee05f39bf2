// TOML reading helpers with positions in every message; see toml_support.hpp.
#include "config/toml_support.hpp"

#include <algorithm>

#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::config {

namespace fs = std::filesystem;

std::string at(const fs::path& path, const toml::node& node, const std::string& message) {
  const toml::source_position& begin = node.source().begin;
  return path.string() + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) + ": " + message;
}

void reject_unknown_keys(const fs::path& path, const toml::table& table, std::string_view where,
                         std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, node] : table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
      throw ConfigError(at(path, node, "unknown key '" + std::string(key.str()) + "' in " + std::string(where) +
                                           " (known: " + util::join(std::vector<std::string>(allowed.begin(), allowed.end()), ", ") +
                                           ")"));
    }
  }
}

std::string require_string(const fs::path& path, const toml::table& table, std::string_view key,
                           std::string_view where) {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    throw ConfigError(at(path, table, std::string(where) + " needs '" + std::string(key) + "'"));
  }
  const auto* value = node->as_string();
  if (value == nullptr || util::is_blank(value->get())) {
    throw ConfigError(at(path, *node, "'" + std::string(key) + "' must be a non-empty string"));
  }
  return value->get();
}

std::optional<std::string> optional_string(const fs::path& path, const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_string();
  if (value == nullptr) throw ConfigError(at(path, *node, "'" + std::string(key) + "' must be a string"));
  return value->get();
}

}  // namespace migrate::config
