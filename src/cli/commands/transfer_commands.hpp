// The subcommands of `migrate transfer`, each in its own file, registered under the
// `transfer` command by transfer.cpp.
#pragma once

#include <memory>

#include "cli/command.hpp"
#include "migrate/orchestrate/transfer.hpp"

namespace migrate::cli {

/// Adds NAME / --spec / --from / --to to a transfer subcommand.
void add_transfer_selector(CLI::App& app, orchestrate::TransferSelector& selector, bool from_only = false);

Registered add_transfer_inspect(CLI::App& transfer);
Registered add_transfer_preflight(CLI::App& transfer);
Registered add_transfer_schema(CLI::App& transfer);
Registered add_transfer_map(CLI::App& transfer);
Registered add_transfer_plan(CLI::App& transfer);
Registered add_transfer_check(CLI::App& transfer);
Registered add_transfer_run(CLI::App& transfer);
Registered add_transfer_validate(CLI::App& transfer);
Registered add_transfer_status(CLI::App& transfer);
Registered add_transfer_cleanup(CLI::App& transfer);

}  // namespace migrate::cli
