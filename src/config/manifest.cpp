// Loads migrate.toml with toml++; every toml++ error becomes a ConfigError here.
#include "migrate/config/manifest.hpp"

#include <cctype>
#include <map>
#include <toml++/toml.h>

#include <algorithm>
#include <limits>
#include <set>

#include "config/toml_support.hpp"
#include "migrate/config/service_order.hpp"
#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"
#include "migrate/util/text.hpp"

namespace migrate::config {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_max_service_name = 63;
constexpr std::size_t k_max_identifier = 63;  // PostgreSQL's NAMEDATALEN - 1

bool valid_service_name(std::string_view name) {
  if (name.empty() || name.size() > k_max_service_name) return false;
  if (!std::isalnum(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

std::optional<std::chrono::milliseconds> optional_duration(const fs::path& path, const toml::table& table,
                                                           std::string_view key) {
  const std::optional<std::string> value = optional_string(path, table, key);
  if (!value) return std::nullopt;
  const auto duration = util::parse_duration(*value);
  if (!duration || duration->count() <= 0 || duration->count() > std::numeric_limits<int>::max()) {
    throw ConfigError(at(path, *table.get(key),
                         "'" + std::string(key) + "' must be a duration of at most 24 days such as \"10min\" or \"30s\""));
  }
  return duration;
}

// Why name cannot be the history table's ("" when it can): the same lower-case identifier
// on both dialects, never quoted differently by hand, and not the lock's or SQLite's.
std::string history_table_problem(const std::string& name) {
  const bool identifier =
      !name.empty() && name.size() <= k_max_identifier &&
      (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
      });
  if (!identifier) {
    return "must be a table name of lower-case letters, digits and '_', starting with a letter or '_', "
           "at most 63 characters (such as \"migrate_history\")";
  }
  if (name == "migration_lock") return "cannot be migration_lock, the lock's own table";
  if (util::starts_with(name, "sqlite_")) return "cannot start with sqlite_ (SQLite keeps those names)";
  return {};
}

Defaults parse_defaults(const fs::path& path, const fs::path& dir, const toml::table* table) {
  Defaults defaults;
  defaults.backup_dir = dir / "migration-backups";
  defaults.audit_log = dir / "migration-audit.log";
  if (table == nullptr) return defaults;
  reject_unknown_keys(path, *table, "[defaults]",
                      {"backup_dir", "audit_log", "keep_backups", "lock_stale_after", "lock_timeout",
                       "statement_timeout", "history_table"});
  if (auto value = optional_string(path, *table, "backup_dir")) defaults.backup_dir = dir / *value;
  if (auto value = optional_string(path, *table, "audit_log")) defaults.audit_log = dir / *value;
  if (const toml::node* node = table->get("keep_backups")) {
    const auto* value = node->as_integer();
    if (value == nullptr || value->get() < 1 || value->get() > 100000) {
      throw ConfigError(at(path, *node, "'keep_backups' must be a whole number from 1 to 100000"));
    }
    defaults.keep_backups = static_cast<int>(value->get());
  }
  if (auto value = optional_duration(path, *table, "lock_stale_after")) defaults.lock_stale_after = *value;
  defaults.timeouts.lock_timeout = optional_duration(path, *table, "lock_timeout");
  defaults.timeouts.statement_timeout = optional_duration(path, *table, "statement_timeout");
  if (auto value = optional_string(path, *table, "history_table")) {
    if (const std::string problem = history_table_problem(*value); !problem.empty()) {
      throw ConfigError(at(path, *table->get("history_table"), "'history_table' " + problem));
    }
    defaults.history_table = *value;
  }
  return defaults;
}

ServiceConfig parse_service(const fs::path& path, const fs::path& dir, std::string_view name,
                            const toml::node& node) {
  const std::string where = "[services." + std::string(name) + "]";
  if (!valid_service_name(name)) {
    throw ConfigError(at(path, node, "invalid service name '" + std::string(name) +
                                         "': use letters, digits, '-' and '_' (at most 63)"));
  }
  // `current --json` and `lock --json` put each service beside these keys of the envelope.
  for (const char* reserved : {"success", "error", "exit_code", "services", "interrupted", "signal"}) {
    if (name == reserved) {
      throw ConfigError(at(path, node, "service name '" + std::string(name) +
                                           "' is reserved (a field of migrate's --json output); rename it"));
    }
  }
  const toml::table* table = node.as_table();
  if (table == nullptr) throw ConfigError(at(path, node, where + " must be a table"));
  reject_unknown_keys(path, *table, where,
                      {"migrations", "database_url_env", "database_url", "depends_on", "pooled"});

  ServiceConfig service;
  service.name = std::string(name);
  service.migrations_dir = (dir / require_string(path, *table, "migrations", where)).lexically_normal();
  service.database_url_env = optional_string(path, *table, "database_url_env").value_or("");
  service.database_url = optional_string(path, *table, "database_url");
  if (const toml::node* pooled = table->get("pooled")) {
    const auto* flag = pooled->as_boolean();
    if (flag == nullptr) {
      throw ConfigError(at(path, *pooled, "'pooled' must be true or false (leave it out to detect a pooler)"));
    }
    service.pooled = flag->get();
  }
  if (const toml::node* deps = table->get("depends_on")) {
    const toml::array* array = deps->as_array();
    if (array == nullptr) throw ConfigError(at(path, *deps, "'depends_on' must be an array of names"));
    for (const toml::node& dep : *array) {
      const auto* dep_name = dep.as_string();
      if (dep_name == nullptr) throw ConfigError(at(path, dep, "'depends_on' must list service names"));
      service.depends_on.push_back(dep_name->get());
    }
  }
  return service;
}

}  // namespace

const ServiceConfig* Manifest::find(std::string_view name) const {
  for (const ServiceConfig& service : services) {
    if (service.name == name) return &service;
  }
  return nullptr;
}

const ServiceConfig& Manifest::service(std::string_view name) const {
  if (const ServiceConfig* found = find(name)) return *found;
  std::vector<std::string> known;
  for (const ServiceConfig& service : services) known.push_back(service.name);
  throw UsageError("unknown service '" + std::string(name) + "' (the manifest " + path.string() +
                   " has: " + util::join(known, ", ") + ")");
}

std::vector<const ServiceConfig*> Manifest::select(std::string_view name) const {
  if (!name.empty()) return {&service(name)};
  std::vector<const ServiceConfig*> all;
  for (const ServiceConfig& each : services) all.push_back(&each);
  return all;
}

const TransferSpec& Manifest::transfer(std::string_view name) const {
  std::vector<std::string> known;
  for (const TransferSpec& each : transfers) {
    if (each.name == name) return each;
    known.push_back(each.name);
  }
  throw UsageError("unknown transfer '" + std::string(name) + "' (the manifest " + path.string() +
                   (known.empty() ? " has no [transfers.<name>] table; or give --from URL --to SERVICE)"
                                  : " has: " + util::join(known, ", ") + ")"));
}

Manifest parse_manifest(std::string_view text, const fs::path& path) {
  Manifest manifest;
  manifest.path = fs::absolute(path).lexically_normal();
  manifest.dir = manifest.path.parent_path();

  toml::table document;
  try {
    document = toml::parse(text, manifest.path.string());
  } catch (const toml::parse_error& e) {
    const toml::source_position& begin = e.source().begin;
    throw ConfigError(manifest.path.string() + ":" + std::to_string(begin.line) + ":" +
                      std::to_string(begin.column) + ": " + std::string(e.description()));
  }
  reject_unknown_keys(manifest.path, document, "the manifest", {"defaults", "services", "transfers"});
  const toml::node* defaults_node = document.get("defaults");
  if (defaults_node != nullptr && !defaults_node->is_table()) {
    throw ConfigError(at(manifest.path, *defaults_node, "[defaults] must be a table"));
  }
  manifest.defaults = parse_defaults(manifest.path, manifest.dir,
                                     defaults_node ? defaults_node->as_table() : nullptr);

  if (const toml::node* transfers = document.get("transfers")) {
    if (!transfers->is_table()) throw ConfigError(at(manifest.path, *transfers, "[transfers] must be a table"));
    manifest.transfers = parse_transfer_specs(*transfers->as_table(), manifest.path);
  }
  const toml::table* services = document["services"].as_table();
  if (services == nullptr || services->empty()) {
    throw ConfigError(manifest.path.string() + ": the manifest defines no [services.<name>] tables");
  }
  // toml++ keeps keys sorted; the manifest's own order (the tie break) is source order.
  std::vector<ServiceConfig> in_file_order;
  std::vector<std::pair<toml::source_position, std::size_t>> positions;
  std::map<std::string, std::string> folded;  // lowercase name -> the name as written
  for (const auto& [name, node] : *services) {
    positions.emplace_back(node.source().begin, in_file_order.size());
    in_file_order.push_back(parse_service(manifest.path, manifest.dir, name.str(), node));
    // Backups and the SQLite default are files named after the service: on a
    // case-insensitive file system `App` and `app` would share them.
    std::string lower(name.str());
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto [existing, fresh] = folded.emplace(lower, std::string(name.str()));
    if (!fresh) {
      throw ConfigError(at(manifest.path, node, "services '" + existing->second + "' and '" +
                                                    std::string(name.str()) +
                                                    "' differ only in case: their backups and SQLite files would "
                                                    "collide on a case-insensitive file system; rename one"));
    }
  }
  std::sort(positions.begin(), positions.end(), [](const auto& a, const auto& b) {
    return a.first.line != b.first.line ? a.first.line < b.first.line : a.first.column < b.first.column;
  });

  std::vector<ServiceNode> nodes;
  for (const auto& position : positions) {
    const ServiceConfig& service = in_file_order[position.second];
    nodes.push_back({service.name, service.depends_on});
  }
  try {
    for (const std::string& name : order_services(nodes)) {
      for (ServiceConfig& service : in_file_order) {
        if (service.name == name) manifest.services.push_back(std::move(service));
      }
    }
  } catch (const ConfigError& e) {
    throw ConfigError(manifest.path.string() + ": " + e.what());
  }
  return manifest;
}

Manifest load_manifest(const fs::path& path) {
  std::string text;
  try {
    text = util::read_file(path);
  } catch (const std::runtime_error& e) {
    throw ConfigError(std::string("cannot load the manifest: ") + e.what());
  }
  return parse_manifest(text, path);
}

namespace {

// The URL in variable name; a message about it says when .env set it.
DatabaseUrl url_from_variable(const Environment& env, const std::string& name, const fs::path& base_dir) {
  try {
    return parse_database_url(env.get(name).value_or(""), base_dir, name);
  } catch (const UsageError& e) {
    const fs::path dotenv = env.origin(name);
    if (dotenv.empty()) throw;
    throw UsageError(std::string(e.what()) + " (" + name + " is set in " + dotenv.string() + ")");
  }
}

}  // namespace

namespace {

DatabaseUrl service_url(const Manifest& manifest, const ServiceConfig& service, const Environment& env,
                        const std::optional<std::string>& override_url) {
  if (override_url) return parse_database_url(*override_url, manifest.dir, "--database-url");
  // A variable that is set but empty is an error (parse_database_url says so), never a
  // fall back to the next source: docker compose and systemd set a missing secret so.
  if (env.is_set("DATABASE_URL")) return url_from_variable(env, "DATABASE_URL", manifest.dir);
  if (!service.database_url_env.empty() && env.is_set(service.database_url_env)) {
    return url_from_variable(env, service.database_url_env, manifest.dir);
  }
  if (service.database_url) {
    return parse_database_url(*service.database_url, manifest.dir,
                              "database_url of [services." + service.name + "]");
  }
  return parse_database_url("sqlite:var/" + service.name + ".db", manifest.dir, "default");
}

}  // namespace

DatabaseUrl resolve_database_url(const Manifest& manifest, const ServiceConfig& service,
                                 const Environment& env,
                                 const std::optional<std::string>& override_url) {
  DatabaseUrl url = service_url(manifest, service, env, override_url);
  url.pooled = service.pooled;
  url.history_table = manifest.defaults.history_table;
  return url;
}

}  // namespace migrate::config
