// `migrate new <service> <name>`: create the next numbered revision files.
// Parses the options, calls orchestrate::new_revision, renders the files.
#include <spdlog/spdlog.h>

#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/new_revision.hpp"

namespace migrate::cli {

namespace {

class NewCommand final : public Command {
 public:
  explicit NewCommand(CLI::App& app) {
    app.add_option("service", m_service, "The service the revision belongs to")->required();
    app.add_option("name", m_name, "snake_case name, e.g. add_user_preferences")->required();
    app.add_flag("--cpp", m_cpp, "Create a C++ step (NNNN_name.cpp) instead of SQL files");
  }

  int run(const GlobalOptions& options, Io& io) override {
    const config::Manifest manifest = config::load_manifest(options.config);
    const orchestrate::NewRevision created = orchestrate::new_revision(manifest, m_service, m_name, m_cpp);
    for (const std::string& other : created.same_name) {
      spdlog::warn("{} already has a revision named {}: {}", m_service, m_name, other);
    }
    Json paths = Json::array();
    for (const auto& file : created.files) {
      paths.push_back(file.string());
      io.output.always() << "created " << file.string() << "\n";
    }
    if (m_cpp) io.output.always() << "rebuild migrate (cmake --build build) to compile the new step in\n";
    Json same_name = Json::array();
    for (const std::string& other : created.same_name) same_name.push_back(other);
    return io.output.success({{"version", format_version(created.version)}, {"files", paths}, {"same_name", same_name}});
  }

 private:
  std::string m_service;
  std::string m_name;
  bool m_cpp = false;
};

}  // namespace

Registered add_new_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("new", "Create the next numbered revision files");
  return {sub, std::make_unique<NewCommand>(*sub)};
}

}  // namespace migrate::cli
