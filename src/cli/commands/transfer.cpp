// `migrate transfer …`: registers the subcommands (one file each) under one command and
// runs the one that was given; the selector options they share.
#include <ostream>

#include "cli/commands/transfer_commands.hpp"

namespace migrate::cli {

namespace {

class TransferCommand final : public Command {
 public:
  explicit TransferCommand(CLI::App& app) {
    app.require_subcommand(1);
    add(add_transfer_inspect(app));
    add(add_transfer_preflight(app));
    add(add_transfer_schema(app));
    add(add_transfer_map(app));
    add(add_transfer_plan(app));
    add(add_transfer_check(app));
    add(add_transfer_run(app));
    add(add_transfer_validate(app));
    add(add_transfer_status(app));
    add(add_transfer_cleanup(app));
    add(add_transfer_full(app));
  }

  int run(const GlobalOptions& options, Io& io) override {
    for (Registered& each : m_commands) {
      if (each.app->parsed()) return each.command->run(options, io);
    }
    throw UsageError("transfer needs a subcommand: inspect, preflight, schema, map, plan, check, run, validate, status, cleanup or full");
  }

 private:
  void add(Registered registered) {
    registered.app->fallthrough();
    m_commands.push_back(std::move(registered));
  }

  std::vector<Registered> m_commands;
};

}  // namespace

void add_transfer_selector(CLI::App& app, orchestrate::TransferSelector& selector, bool from_only) {
  if (!from_only) {
    app.add_option("name", selector.name, "The transfer: a [transfers.NAME] table of the manifest or of --spec");
    app.add_option("--spec", selector.spec, "A TOML file of [transfers.NAME] tables, instead of the manifest's");
    app.add_option("--to", selector.to, "The target service (with --from: every table, same names)");
  }
  app.add_option("--from", selector.from, "The source database URL, or env:VARIABLE holding it");
}

Registered add_transfer_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "transfer", "Move data between databases: SQLite -> PostgreSQL, old schema -> new (mapped, resumable, validated)");
  return {sub, std::make_unique<TransferCommand>(*sub)};
}

}  // namespace migrate::cli
