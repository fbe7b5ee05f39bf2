// The command-line entry point: parses arguments, runs one command, maps errors to exit codes.
#pragma once

namespace migrate::cli {

/// Runs migrate with the process's arguments and returns the exit code of DESIGN.md.
/// The only place that catches errors broadly.
int run(int argc, char** argv);

}  // namespace migrate::cli
