// The manifest (migrate.toml): services, their folders, URLs and dependencies.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/config/database_url.hpp"
#include "migrate/config/environment.hpp"
#include "migrate/config/transfer_spec.hpp"
#include "migrate/model/revision.hpp"

namespace migrate::config {

/// The [defaults] table; paths are absolute (resolved against the manifest's folder).
struct Defaults {
  std::filesystem::path backup_dir;
  std::filesystem::path audit_log;
  int keep_backups = 10;
  std::chrono::milliseconds lock_stale_after = std::chrono::minutes(10);
  Timeouts timeouts;  ///< lock_timeout, statement_timeout: PostgreSQL limits for every revision
  /// The name of migrate's history table in every database (migration_lock keeps its
  /// name): a lower-case SQL identifier, so that golang-migrate's or dbmate's
  /// schema_migrations can stay beside it.
  std::string history_table = std::string(k_default_history_table);
};

/// One [services.<name>] table.
struct ServiceConfig {
  std::string name;
  std::filesystem::path migrations_dir;  ///< absolute
  std::string database_url_env;          ///< variable holding the URL; may be empty
  std::optional<std::string> database_url;  ///< literal fallback URL from the manifest
  std::vector<std::string> depends_on;
  /// Whether the database is reached through a transaction pooler (PgBouncer in
  /// transaction mode, a `-pooler` endpoint); nullopt: detect it on connecting.
  std::optional<bool> pooled;
};

/// A loaded, validated manifest. `services` is in dependency order: a topological sort of
/// depends_on, ties broken by the order of the manifest's tables.
struct Manifest {
  std::filesystem::path path;  ///< absolute path of migrate.toml
  std::filesystem::path dir;   ///< its folder: the base of every relative path
  Defaults defaults;
  std::vector<ServiceConfig> services;
  std::vector<TransferSpec> transfers;  ///< [transfers.<name>], in name order

  /// The service called name, or nullptr.
  const ServiceConfig* find(std::string_view name) const;
  /// The service called name. Throws UsageError listing the known services.
  const ServiceConfig& service(std::string_view name) const;
  /// The service called name, or every service in dependency order when name is empty.
  /// Throws UsageError for an unknown name.
  std::vector<const ServiceConfig*> select(std::string_view name) const;
  /// The transfer called name. Throws UsageError listing the known transfers.
  const TransferSpec& transfer(std::string_view name) const;
};

/// Parses manifest text; `path` is used for messages and as the base of relative paths.
/// Throws ConfigError with file:line:column for TOML errors, unknown keys, bad values,
/// invalid service names, unknown dependencies and dependency cycles (naming the cycle).
Manifest parse_manifest(std::string_view text, const std::filesystem::path& path);

/// Reads and parses the manifest file. Throws ConfigError when it cannot be read.
Manifest load_manifest(const std::filesystem::path& path);

/// Where a service's database is: `override_url` (--database-url) if given, else
/// DATABASE_URL, else the service's database_url_env variable, else its manifest
/// database_url, else sqlite:var/<service>.db. A variable that is set but empty does not
/// fall through: it is a UsageError ("ALPHA_URL is set but empty"), as is a bad URL.
DatabaseUrl resolve_database_url(const Manifest& manifest, const ServiceConfig& service,
                                 const Environment& env,
                                 const std::optional<std::string>& override_url);

}  // namespace migrate::config
