// `migrate import drizzle <service> <folder> [--dry-run]`: write a service's revisions from
// another tool's folder. Parses, calls orchestrate::import_drizzle, renders the report.
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/drizzle_import.hpp"
#include "migrate/util/error.hpp"

namespace migrate::cli {

namespace {

Json revisions_json(const std::vector<orchestrate::ImportedRevision>& revisions) {
  Json list = Json::array();
  for (const orchestrate::ImportedRevision& revision : revisions) {
    list.push_back({{"version", revision.version_text},
                    {"name", revision.name},
                    {"tag", revision.tag},
                    {"source", revision.source.string()},
                    {"file", revision.file.string()}});
  }
  return list;
}

class ImportCommand final : public Command {
 public:
  explicit ImportCommand(CLI::App& app) {
    app.require_subcommand(1);
    m_drizzle = app.add_subcommand("drizzle", "Write a service's revisions from a drizzle-kit out folder");
    m_drizzle->fallthrough();
    m_drizzle->add_option("service", m_service, "The service whose migrations folder receives the revisions")
        ->required();
    m_drizzle->add_option("folder", m_folder, "drizzle-kit's out folder (meta/_journal.json, or one folder per migration)")
        ->required();
    m_drizzle->add_flag("--dry-run", m_dry_run, "List what would be written; write nothing");
  }

  int run(const GlobalOptions& options, Io& io) override {
    if (!m_drizzle->parsed()) throw UsageError("import: name the tool the folder comes from, e.g. import drizzle");
    const config::Manifest manifest = config::load_manifest(options.config);
    const orchestrate::DrizzleImportReport report =
        orchestrate::import_drizzle(manifest, m_service, m_folder, m_dry_run);
    const char* verb = report.dry_run ? "would write " : "wrote ";
    for (const auto& revision : report.written) {
      io.output.text() << verb << revision.file.string() << " (from " << revision.source.string() << ")\n";
    }
    for (const auto& revision : report.unchanged) {
      io.output.text() << "unchanged " << revision.file.string() << "\n";
    }
    for (const auto& file : report.unlisted) {
      io.output.text() << "unlisted, not imported: " << file.string() << "\n";
    }
    io.output.text() << report.service << ": " << report.written.size() << (report.dry_run ? " to write, " : " written, ")
                     << report.unchanged.size() << " unchanged, " << report.unlisted.size() << " unlisted\n";
    Json unlisted = Json::array();
    for (const auto& file : report.unlisted) unlisted.push_back(file.string());
    return io.output.success({{"service", report.service},
                              {"folder", report.folder.string()},
                              {"layout", adopt::to_string(report.layout)},
                              {"dry_run", report.dry_run},
                              {"written", revisions_json(report.written)},
                              {"unchanged", revisions_json(report.unchanged)},
                              {"unlisted", unlisted}});
  }

 private:
  CLI::App* m_drizzle = nullptr;
  std::string m_service;
  std::string m_folder;
  bool m_dry_run = false;
};

}  // namespace

Registered add_import_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("import", "Write a service's revisions from another tool's folder (drizzle)");
  return {sub, std::make_unique<ImportCommand>(*sub)};
}

}  // namespace migrate::cli
