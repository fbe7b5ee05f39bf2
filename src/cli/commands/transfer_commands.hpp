// The subcommands of `migrate transfer`, each in its own file, registered under the
// `transfer` command by transfer.cpp.
#pragma once

#include <iosfwd>
#include <memory>
#include <vector>

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
Registered add_transfer_full(CLI::App& transfer);

/// The copy's progress on stderr: JSON lines under --json, a refreshed line per table on a
/// terminal, else warnings only (transfer_run.cpp).
std::unique_ptr<transfer::CopyObserver> make_copy_progress(const GlobalOptions& options);

/// What the commands print of a copy, a preflight and a validation: text lines on the
/// stream (or output.text()), and their JSON for the document.
Json render_copy(Output& output, const orchestrate::TransferRunResult& result);
Json render_preflight(std::ostream& out, const std::vector<transfer::PreflightCheck>& checks);
Json render_validation(std::ostream& out, const std::vector<transfer::TableCheck>& checks);

}  // namespace migrate::cli
