// Helpers for reading TOML nodes into config values with file:line:column messages,
// shared by the manifest and transfer-spec parsers; internal to config/.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "migrate/config/transfer_spec.hpp"

namespace migrate::config {

/// "file:line:column: message" for a node of the document.
std::string at(const std::filesystem::path& path, const toml::node& node, const std::string& message);

/// Throws ConfigError for the first key of table not in allowed.
void reject_unknown_keys(const std::filesystem::path& path, const toml::table& table, std::string_view where,
                         std::initializer_list<std::string_view> allowed);

/// The non-empty string at key; ConfigError when missing or not a non-empty string.
std::string require_string(const std::filesystem::path& path, const toml::table& table, std::string_view key,
                           std::string_view where);

/// The string at key, if any; ConfigError when it is not a string.
std::optional<std::string> optional_string(const std::filesystem::path& path, const toml::table& table,
                                           std::string_view key);

/// The transfers of a document's `transfers` table.
std::vector<TransferSpec> parse_transfer_specs(const toml::table& transfers, const std::filesystem::path& path);

}  // namespace migrate::config
