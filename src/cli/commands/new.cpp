// `migrate new <service> <name>`: create the next numbered revision files.
#include <algorithm>
#include <ostream>
#include <system_error>

#include "cli/command.hpp"
#include "migrate/source/revision_directory.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"

namespace migrate::cli {

namespace {

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

class NewCommand final : public Command {
 public:
  explicit NewCommand(CLI::App& app) {
    app.add_option("service", m_service, "The service the revision belongs to")->required();
    app.add_option("name", m_name, "snake_case name, e.g. add_user_preferences")->required();
  }

  int run(const GlobalOptions& options, Io& io) override {
    if (!valid_name(m_name)) {
      throw UsageError("revision name '" + m_name + "' must be snake_case: lowercase letters, digits, '_'");
    }
    const config::Manifest manifest = config::load_manifest(options.config);
    const config::ServiceConfig& service = manifest.service(m_service);
    std::error_code ec;
    std::filesystem::create_directories(service.migrations_dir, ec);
    if (ec) throw UsageError("cannot create " + service.migrations_dir.string() + ": " + ec.message());

    // Validates the folder as a whole too: a new file beside a broken folder helps no one.
    const std::vector<source::RevisionFile> files = source::scan_revision_files(service.migrations_dir);
    const Version next = files.empty() ? 1 : files.back().parsed.version + 1;
    const std::string stem = format_version(next) + "_" + m_name;
    const auto up = service.migrations_dir / (stem + ".up.sql");
    const auto down = service.migrations_dir / (stem + ".down.sql");
    try {
      util::write_new_file(up, "-- " + service.name + " " + stem + ": write the change here.\n");
      util::write_new_file(down, "-- " + service.name + " " + stem + ": undo exactly what the up file does.\n");
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
    if (options.json) {
      io.out << "{\"success\": true, \"version\": \"" << format_version(next) << "\", \"up\": \""
             << up.string() << "\", \"down\": \"" << down.string() << "\"}\n";
    } else {
      io.out << "created " << up.string() << "\ncreated " << down.string() << "\n";
    }
    return 0;
  }

 private:
  std::string m_service;
  std::string m_name;
};

}  // namespace

Registered add_new_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("new", "Create the next numbered revision files");
  return {sub, std::make_unique<NewCommand>(*sub)};
}

}  // namespace migrate::cli
