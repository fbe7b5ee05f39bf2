// discord-bot 0005: copy the legacy guild_config.perm_level_N_role_id columns into
// permission ranks. For every non-null perm_level_N_role_id the guild gets rank N
// ("Rank N") and an assignment of that role to it. A role may hold one rank per guild, so
// a role set at two levels is assigned to the lower one only; every legacy value is still
// recorded in permission_rank_backfill, which lets down remove exactly what was made and
// lets 0006's down restore every legacy value.
#include "migrate/step/step.hpp"

#include <string>

namespace {

using migrate::step::Row;
using migrate::step::Session;
using migrate::step::Value;
using migrate::step::nullable;

constexpr int k_levels = 8;

void up(Session& db) {
  db.execute(
      "CREATE TABLE permission_rank_backfill ("
      " guild_id BIGINT NOT NULL,"
      " level INTEGER NOT NULL,"
      " role_id BIGINT NOT NULL,"
      " permission_rank_id BIGINT NOT NULL,"
      " rank_created BOOLEAN NOT NULL,"
      " assignment_id BIGINT,"  // NULL: the role already held a lower rank
      " PRIMARY KEY (guild_id, level))");

  std::string columns = "guild_id";
  for (int level = 0; level < k_levels; ++level) columns += ", perm_level_" + std::to_string(level) + "_role_id";
  db.for_each("SELECT " + columns + " FROM guild_config ORDER BY guild_id", {}, [&](const Row& config) {
    const std::int64_t guild = config.integer(0);
    for (int level = 0; level < k_levels; ++level) {
      const std::optional<std::int64_t> role = config.optional_integer(static_cast<std::size_t>(level) + 1);
      if (!role) continue;
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
      // A role already holding a rank in this guild keeps it (the lower level wins).
      std::optional<std::int64_t> assignment_id;
      if (!db.query_one("SELECT id FROM permission_assignments WHERE guild_id = $1 AND role_id = $2", {guild, *role})) {
        assignment_id = db.query_one(
                              "INSERT INTO permission_assignments (guild_id, permission_rank_id, role_id) "
                              "VALUES ($1, $2, $3) RETURNING id",
                              {guild, rank_id, *role})
                            ->integer(0);
      }
      db.execute(
          "INSERT INTO permission_rank_backfill (guild_id, level, role_id, permission_rank_id, rank_created, "
          "assignment_id) VALUES ($1, $2, $3, $4, $5, $6)",
          {guild, std::int64_t{level}, *role, rank_id, std::int64_t{created ? 1 : 0}, nullable(assignment_id)});
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
