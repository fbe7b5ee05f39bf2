// The API of transfer steps: C++ functions that make the rows of a derived table (one
// `[transfers.<name>.derived.<table>]` entry) from the transfer's source. A step reads the
// source through the same step::Session that migration steps use (read-only, one snapshot)
// and hands each row it makes to a RowSink; migrate writes the rows into the target with
// the transfer's COPY, conversions, upsert, checkpoint and rollback script.
//
//   // services/discord-bot/transfers/derive_permission_ranks.cpp
//   void derive_permission_ranks(migrate::step::Session& source, migrate::step::RowSink& rows) {
//     source.for_each("SELECT guild_id, perm_level_0_role_id FROM \"GuildConfig\"", {},
//                     [&](const migrate::step::Row& row) { rows.add({row.integer(0), std::int64_t{0}}); });
//   }
//   MIGRATE_TRANSFER_STEP(derive_permission_ranks, "guild_id", "rank");
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "migrate/step/step.hpp"

namespace migrate::step {

/// Where a transfer step puts the rows it makes: one value per declared column, in the
/// declared order. Values convert to the target column's type as copied values do (0/1 to
/// boolean, epoch seconds to timestamptz, JSON text to jsonb, …).
class RowSink {
 public:
  virtual ~RowSink() = default;
  /// Adds one row. Throws std::invalid_argument when the row has the wrong number of values.
  virtual void add(const std::vector<Value>& row) = 0;
};

/// A transfer step: reads source, adds rows to rows. Must make the same rows in the same
/// order each time it runs on the same source (the transfer checks the count on a rerun).
using DeriveFunction = void (*)(Session& source, RowSink& rows);

/// A compiled transfer step, as registered by MIGRATE_TRANSFER_STEP.
struct TransferStepDefinition {
  std::string name;                  ///< the function's name: the spec's `step = "…"`
  DeriveFunction derive = nullptr;
  std::vector<std::string> columns;  ///< the target columns each row fills, in order
  std::string source_file;           ///< the .cpp it was compiled from
};

/// Adds a step to this binary's registry (MIGRATE_TRANSFER_STEP does it during static
/// initialisation). Returns true.
bool register_transfer_step(TransferStepDefinition step);

/// Every transfer step compiled into this binary, in registration order.
const std::vector<TransferStepDefinition>& registered_transfer_steps();

/// The step named name; nullptr when none is. Throws UsageError when two files register
/// that name.
const TransferStepDefinition* find_transfer_step(std::string_view name);

}  // namespace migrate::step

/// Registers a transfer step: `MIGRATE_TRANSFER_STEP(function, "column", …);` names the
/// function (its name is the step's name) and the target columns of the rows it adds.
#define MIGRATE_TRANSFER_STEP(function, ...)                                                    \
  namespace {                                                                                   \
  const bool migrate_transfer_step_registered_##function = ::migrate::step::register_transfer_step( \
      {#function, &(function), {__VA_ARGS__}, __FILE__});                                       \
  }
