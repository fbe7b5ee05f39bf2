// discord-bot 0008: normalise the per-guild settings staged by
// `migrate import-kv discord-bot settings <export>` (table raw_settings, one JSON object
// per guild id: prefix, modLogChannel, modRoles[]) into guild, guild_config and
// guild_mod_roles. Before committing it checks that every raw key became exactly one
// guild (count and an order-independent checksum of the ids); a mismatch fails the step
// and rolls everything back. raw_settings itself is left for a later cleanup. What the
// step made or changed is recorded in settings_import*, so that down undoes exactly that.
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "migrate/step/step.hpp"
#include "migrate/util/sha256.hpp"

namespace {

using migrate::step::Row;
using migrate::step::Session;
using migrate::step::Value;
using migrate::step::nullable;

// A multiset checksum: the sum of each id's SHA-256 in four 64-bit lanes. Independent of
// order, and a repeated id counts twice (unlike XOR).
class IdChecksum {
 public:
  void add(std::int64_t id) {
    const std::string digest = migrate::util::sha256_hex(std::to_string(id));
    for (std::size_t lane = 0; lane < m_lanes.size(); ++lane) {
      m_lanes[lane] += std::stoull(digest.substr(lane * 16, 16), nullptr, 16);
    }
    ++m_count;
  }
  std::int64_t count() const { return m_count; }
  std::string hex() const {
    std::string out;
    char buffer[17];
    for (std::uint64_t lane : m_lanes) {
      std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(lane));
      out += buffer;
    }
    return out;
  }

 private:
  std::array<std::uint64_t, 4> m_lanes{};
  std::int64_t m_count = 0;
};

std::int64_t snowflake(const std::string& text, const std::string& what) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw std::runtime_error(what + " '" + text + "' is not a Discord id");
  }
  return std::stoll(text);
}

std::optional<std::int64_t> optional_snowflake(const nlohmann::json& settings, const char* field,
                                               const std::string& key) {
  const auto it = settings.find(field);
  if (it == settings.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw std::runtime_error("raw_settings '" + key + "': " + field + " must be a string id");
  return snowflake(it->get<std::string>(), std::string("raw_settings '") + key + "': " + field);
}

void normalise(Session& db, const std::string& key, const std::string& value, IdChecksum& written) {
  const std::int64_t guild = snowflake(key, "raw_settings key");
  const nlohmann::json settings = nlohmann::json::parse(value);
  if (!settings.is_object()) throw std::runtime_error("raw_settings '" + key + "': the value is not an object");
  if (db.query_one("SELECT 1 FROM settings_import WHERE guild_id = $1", {guild})) {
    return;  // the same guild under another spelling of its id: the validation reports it
  }
  const std::string prefix = settings.value("prefix", std::string("$"));
  const std::optional<std::int64_t> mod_log = optional_snowflake(settings, "modLogChannel", key);

  const bool guild_created = !db.query_one("SELECT 1 FROM guild WHERE guild_id = $1", {guild});
  if (guild_created) db.execute("INSERT INTO guild (guild_id) VALUES ($1)", {guild});
  const std::optional<Row> previous = db.query_one("SELECT prefix, mod_log_id FROM guild_config WHERE guild_id = $1", {guild});
  if (previous) {
    db.execute("UPDATE guild_config SET prefix = $2, mod_log_id = $3 WHERE guild_id = $1", {guild, prefix, nullable(mod_log)});
  } else {
    db.execute("INSERT INTO guild_config (guild_id, prefix, mod_log_id) VALUES ($1, $2, $3)", {guild, prefix, nullable(mod_log)});
  }
  db.execute(
      "INSERT INTO settings_import (guild_id, guild_created, config_created, previous_prefix, previous_mod_log_id) "
      "VALUES ($1, $2, $3, $4, $5)",
      {guild, std::int64_t{guild_created ? 1 : 0}, std::int64_t{previous ? 0 : 1},
       nullable(previous ? previous->optional_text(0) : std::nullopt),
       nullable(previous ? previous->optional_integer(1) : std::nullopt)});

  const auto roles = settings.find("modRoles");
  if (roles != settings.end() && !roles->is_null()) {
    if (!roles->is_array()) throw std::runtime_error("raw_settings '" + key + "': modRoles must be an array");
    for (const nlohmann::json& role : *roles) {
      if (!role.is_string()) throw std::runtime_error("raw_settings '" + key + "': modRoles holds a non-string id");
      const std::int64_t role_id = snowflake(role.get<std::string>(), "raw_settings '" + key + "': mod role");
      if (db.query_one("SELECT 1 FROM guild_mod_roles WHERE guild_id = $1 AND role_id = $2", {guild, role_id})) continue;
      db.execute("INSERT INTO guild_mod_roles (guild_id, role_id) VALUES ($1, $2)", {guild, role_id});
      db.execute("INSERT INTO settings_import_roles (guild_id, role_id) VALUES ($1, $2)", {guild, role_id});
    }
  }
  written.add(guild);
}

void up(Session& db) {
  if (!db.table_exists("raw_settings")) return;  // nothing was staged: nothing to normalise
  db.execute(
      "CREATE TABLE settings_import (guild_id BIGINT PRIMARY KEY, guild_created BOOLEAN NOT NULL,"
      " config_created BOOLEAN NOT NULL, previous_prefix TEXT, previous_mod_log_id BIGINT);"
      "CREATE TABLE settings_import_roles (guild_id BIGINT NOT NULL, role_id BIGINT NOT NULL,"
      " PRIMARY KEY (guild_id, role_id));");

  IdChecksum raw;
  IdChecksum written;
  const char* value_as_text = db.dialect() == migrate::Dialect::postgres ? "value::text" : "value";
  db.for_each(std::string("SELECT key, ") + value_as_text + " FROM raw_settings ORDER BY key", {},
              [&](const Row& row) {
                raw.add(snowflake(row.text(0), "raw_settings key"));
                normalise(db, row.text(0), row.text(1), written);
              });

  // Every raw key must have become one guild: compare what was read with what is stored.
  IdChecksum stored;
  db.for_each("SELECT guild_id FROM settings_import", {}, [&](const Row& row) { stored.add(row.integer(0)); });
  if (raw.count() != stored.count() || raw.hex() != stored.hex() || written.hex() != stored.hex()) {
    throw std::runtime_error("validation failed: raw_settings has " + std::to_string(raw.count()) + " keys but " +
                             std::to_string(stored.count()) + " guilds were written (checksum " +
                             raw.hex().substr(0, 16) + " vs " + stored.hex().substr(0, 16) +
                             "); a key did not become rows, so nothing was changed");
  }
}

void down(Session& db) {
  if (!db.table_exists("settings_import")) return;
  db.execute(
      "DELETE FROM guild_mod_roles WHERE EXISTS (SELECT 1 FROM settings_import_roles r"
      " WHERE r.guild_id = guild_mod_roles.guild_id AND r.role_id = guild_mod_roles.role_id);"
      "UPDATE guild_config SET"
      " prefix = (SELECT s.previous_prefix FROM settings_import s WHERE s.guild_id = guild_config.guild_id),"
      " mod_log_id = (SELECT s.previous_mod_log_id FROM settings_import s WHERE s.guild_id = guild_config.guild_id)"
      " WHERE guild_id IN (SELECT guild_id FROM settings_import WHERE NOT config_created);"
      "DELETE FROM guild_config WHERE guild_id IN (SELECT guild_id FROM settings_import WHERE config_created);"
      "DELETE FROM guild WHERE guild_id IN (SELECT guild_id FROM settings_import WHERE guild_created);"
      "DROP TABLE settings_import_roles;"
      "DROP TABLE settings_import;");
}

}  // namespace

MIGRATE_STEP(up, down);
