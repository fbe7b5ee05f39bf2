// discord-bot 0005: copy the legacy guild_config.perm_level_N_role_id columns into
// permission ranks. For every non-null perm_level_N_role_id the guild gets rank N
// ("Rank N") and an assignment of that role to it. What the step made is recorded in
// permission_rank_backfill, so that down removes exactly those rows and nothing else.
#include "migrate/step/step.hpp"

#include <string>

namespace {

using migrate::step::Row;
using migrate::step::Session;
using migrate::step::Value;

constexpr int k_levels = 8;

void up(Session& db) {
  db.execute(
      "CREATE TABLE permission_rank_backfill ("
      " assignment_id BIGINT PRIMARY KEY,"
      " permission_rank_id BIGINT NOT NULL,"
      " rank_created BOOLEAN NOT NULL)");

  std::string columns = "guild_id";
  for (int level = 0; level < k_levels; ++level) columns += ", perm_level_" + std::to_string(level) + "_role_id";
  db.for_each("SELECT " + columns + " FROM guild_config ORDER BY guild_id", {}, [&](const Row& config) {
    const std::int64_t guild = config.integer(0);
    for (int level = 0; level < k_levels; ++level) {
      const std::optional<std::int64_t> role = config.optional_integer(static_cast<std::size_t>(level) + 1);
      if (!role) continue;
      // A role already holding a rank in this guild keeps it (the lower level wins).
      if (db.query_one("SELECT id FROM permission_assignments WHERE guild_id = $1 AND role_id = $2", {guild, *role})) {
        continue;
      }
      std::optional<Row> rank =
          db.query_one("SELECT id FROM permission_ranks WHERE guild_id = $1 AND rank = $2", {guild, std::int64_t{level}});
      const bool created = !rank;
      if (created) {
        rank = db.query_one(
            "INSERT INTO permission_ranks (guild_id, rank, name, description) VALUES ($1, $2, $3, $4) RETURNING id",
            {guild, std::int64_t{level}, "Rank " + std::to_string(level),
             "Migrated permission rank " + std::to_string(level)});
      }
      const std::int64_t rank_id = rank->integer(0);
      const std::int64_t assignment_id =
          db.query_one(
                "INSERT INTO permission_assignments (guild_id, permission_rank_id, role_id) VALUES ($1, $2, $3) "
                "RETURNING id",
                {guild, rank_id, *role})
              ->integer(0);
      db.execute("INSERT INTO permission_rank_backfill (assignment_id, permission_rank_id, rank_created) "
                 "VALUES ($1, $2, $3)",
                 {assignment_id, rank_id, std::int64_t{created ? 1 : 0}});
    }
  });
}

void down(Session& db) {
  db.execute(
      "DELETE FROM permission_assignments WHERE id IN (SELECT assignment_id FROM permission_rank_backfill);"
      "DELETE FROM permission_ranks WHERE id IN "
      " (SELECT permission_rank_id FROM permission_rank_backfill WHERE rank_created);"
      "DROP TABLE permission_rank_backfill;");
}

}  // namespace

MIGRATE_STEP(up, down);
