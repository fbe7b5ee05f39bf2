// `migrate transfer preflight NAME [--integrity]`: the environment checks, each passed,
// failed with its fix, or unknown; exit 4 on any failure. Parse, call, render.
#include <ostream>

#include "cli/commands/transfer_commands.hpp"

namespace migrate::cli {

namespace {

class PreflightCommand final : public Command {
 public:
  explicit PreflightCommand(CLI::App& app) {
    add_transfer_selector(app, m_selector);
    app.add_flag("--integrity", m_integrity, "Also run SQLite's integrity check on the source (reads all of it)");
  }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const auto checks = orchestrate::preflight_transfer(project, m_selector, m_integrity);
    std::size_t failed = 0;
    for (const transfer::PreflightCheck& check : checks) failed += check.ok && !*check.ok ? 1 : 0;
    const Json data = {{"checks", render_preflight(io.output.text(), checks)}};
    if (failed == 0) return io.output.success(data);
    return io.output.document(false, static_cast<int>(ExitCode::blocked),
                              std::to_string(failed) + " preflight check(s) failed", data);
  }

 private:
  orchestrate::TransferSelector m_selector;
  bool m_integrity = false;
};

}  // namespace

Json render_preflight(std::ostream& out, const std::vector<transfer::PreflightCheck>& checks) {
  Json list = Json::array();
  for (const transfer::PreflightCheck& check : checks) {
    const char* mark = !check.ok ? "??   " : *check.ok ? "ok   " : "FAIL ";
    out << mark << check.name << ": " << check.detail << "\n";
    if (!check.fix.empty()) out << "     fix: " << check.fix << "\n";
    list.push_back({{"name", check.name},
                    {"ok", check.ok ? Json(*check.ok) : Json(nullptr)},
                    {"detail", check.detail},
                    {"fix", check.fix.empty() ? Json(nullptr) : Json(check.fix)}});
  }
  return list;
}

Registered add_transfer_preflight(CLI::App& transfer) {
  CLI::App* sub = transfer.add_subcommand(
      "preflight", "Check the environment: source readable, target answering, extensions, privileges, space; exit 4 if not");
  return {sub, std::make_unique<PreflightCommand>(*sub)};
}

}  // namespace migrate::cli
