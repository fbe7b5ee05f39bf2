// Transfer steps for moving a legacy (tux v0.1) database into discord-bot: the eight
// "GuildConfig".perm_level_N_role_id columns become permission ranks and role assignments.
// For every guild (in guild_id order) and level N (0 to 7) with a role, rank N ("Rank N")
// is made, and the role is assigned to it, unless the role already holds a lower level in
// that guild (a role may hold one rank per guild). Rank ids are numbered in that same
// order, so the two steps agree on them without reading the target; the transfer moves
// the identity sequence past them afterwards.
//
//   [transfers.tux-v01.derived.permission_ranks]
//   step = "derive_permission_ranks"
//   [transfers.tux-v01.derived.permission_assignments]
//   step = "derive_permission_assignments"
#include "migrate/step/transfer_step.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>

namespace {

using migrate::step::Row;
using migrate::step::RowSink;
using migrate::step::Session;

constexpr int k_levels = 8;

// Calls on_level(guild, level, role, rank_id, assigned) for every level with a role, in
// guild then level order; assigned is false when a lower level of the guild has that role.
void for_each_level(Session& source,
                    const std::function<void(std::int64_t, int, std::int64_t, std::int64_t, bool)>& on_level) {
  std::string columns = "guild_id";
  for (int level = 0; level < k_levels; ++level) columns += ", perm_level_" + std::to_string(level) + "_role_id";
  std::int64_t rank_id = 0;
  source.for_each("SELECT " + columns + " FROM \"GuildConfig\" ORDER BY guild_id", {}, [&](const Row& config) {
    const std::int64_t guild = config.integer(0);
    std::set<std::int64_t> roles;
    for (int level = 0; level < k_levels; ++level) {
      const std::optional<std::int64_t> role = config.optional_integer(static_cast<std::size_t>(level) + 1);
      if (!role) continue;
      on_level(guild, level, *role, ++rank_id, roles.insert(*role).second);
    }
  });
}

void derive_permission_ranks(Session& source, RowSink& rows) {
  for_each_level(source, [&](std::int64_t guild, int level, std::int64_t, std::int64_t rank_id, bool) {
    rows.add({rank_id, guild, std::int64_t{level}, "Rank " + std::to_string(level),
              "Migrated permission level " + std::to_string(level)});
  });
}

void derive_permission_assignments(Session& source, RowSink& rows) {
  std::int64_t assignment_id = 0;
  for_each_level(source, [&](std::int64_t guild, int, std::int64_t role, std::int64_t rank_id, bool assigned) {
    if (assigned) rows.add({++assignment_id, guild, rank_id, role});
  });
}

}  // namespace

MIGRATE_TRANSFER_STEP(derive_permission_ranks, "id", "guild_id", "rank", "name", "description");
MIGRATE_TRANSFER_STEP(derive_permission_assignments, "id", "guild_id", "permission_rank_id", "role_id");
