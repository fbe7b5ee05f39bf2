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

// A step that compiles as written and does nothing until its author fills it in.
std::string step_skeleton(const std::string& service, const std::string& stem) {
  return "// " + service + " " + stem + R"(: describe the data change here.
#include "migrate/step/step.hpp"

namespace {

// Runs inside the transaction that records this revision; throw to roll it back.
void up([[maybe_unused]] migrate::step::Session& db) {
  // db.execute("ALTER TABLE ...");
  // db.for_each("SELECT id, payload FROM items", {}, [&](const migrate::step::Row& row) {
  //   db.execute("UPDATE items SET payload = $2 WHERE id = $1", {row.integer(0), transform(row.text(1))});
  // });
}

// Undoes exactly what up did. Leave it out (MIGRATE_STEP(up);) to make the step irreversible.
void down([[maybe_unused]] migrate::step::Session& db) {}

}  // namespace

MIGRATE_STEP(up, down);
)";
}

class NewCommand final : public Command {
 public:
  explicit NewCommand(CLI::App& app) {
    app.add_option("service", m_service, "The service the revision belongs to")->required();
    app.add_option("name", m_name, "snake_case name, e.g. add_user_preferences")->required();
    app.add_flag("--cpp", m_cpp, "Create a C++ step (NNNN_name.cpp) instead of SQL files");
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
    std::vector<std::filesystem::path> created;
    try {
      if (m_cpp) {
        created.push_back(service.migrations_dir / (stem + ".cpp"));
        util::write_new_file(created.back(), step_skeleton(service.name, stem));
      } else {
        created.push_back(service.migrations_dir / (stem + ".up.sql"));
        util::write_new_file(created.back(), "-- " + service.name + " " + stem + ": write the change here.\n");
        created.push_back(service.migrations_dir / (stem + ".down.sql"));
        util::write_new_file(created.back(),
                             "-- " + service.name + " " + stem + ": undo exactly what the up file does.\n");
      }
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
    Json paths = Json::array();
    for (const auto& file : created) {
      paths.push_back(file.string());
      io.output.always() << "created " << file.string() << "\n";
    }
    if (m_cpp) io.output.always() << "rebuild migrate (cmake --build build) to compile the new step in\n";
    return io.output.success({{"version", format_version(next)}, {"files", paths}});
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
