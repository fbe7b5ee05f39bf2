// `migrate import drizzle <service> <folder> [--dry-run]`: write a service's revisions from
// another tool's folder. Parses, calls orchestrate::import_drizzle, renders the report.
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/alembic_import.hpp"
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
    m_drizzle
        ->add_option("folder", m_folder, "drizzle-kit's out folder (meta/_journal.json, or one folder per migration)")
        ->required();
    m_drizzle->add_flag("--dry-run", m_dry_run, "List what would be written; write nothing");
    m_alembic = app.add_subcommand("alembic", "Write a service's revisions from an Alembic project (versions/*.py)");
    m_alembic->fallthrough();
    m_alembic->add_option("service", m_alembic_request.service, "The service whose migrations folder receives them")
        ->required();
    m_alembic->add_option("folder", m_alembic_request.folder, "The Alembic folder holding versions/")->required();
    m_alembic->add_option("--ini", m_alembic_request.ini, "alembic.ini (default: in the folder or beside it)");
    m_alembic->add_flag("--dry-run", m_alembic_request.dry_run, "List what would be written; write nothing");
  }

  int run(const GlobalOptions& options, Io& io) override {
    if (m_alembic->parsed()) return run_alembic(options, io);
    if (!m_drizzle->parsed()) throw UsageError("import: name the tool the folder comes from: drizzle or alembic");
    // The revisions are written for the service's database: its URL says the dialect.
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const config::DatabaseUrl& database = project.url(project.manifest().service(m_service));
    const orchestrate::DrizzleImportReport report =
        orchestrate::import_drizzle(project.manifest(), m_service, m_folder, database, m_dry_run);
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
    io.output.text() << report.service << ": " << report.written.size()
                     << (report.dry_run ? " to write, " : " written, ") << report.unchanged.size() << " unchanged, "
                     << report.unlisted.size() << " unlisted\n";
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
  int run_alembic(const GlobalOptions& options, Io& io) {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const config::DatabaseUrl& database = project.url(project.manifest().service(m_alembic_request.service));
    const orchestrate::AlembicImportReport report =
        orchestrate::import_alembic(project.manifest(), m_alembic_request, database);
    std::ostream& out = io.output.text();
    Json revisions = Json::array();
    std::size_t written = 0;
    std::size_t refusing = 0;
    for (const orchestrate::AlembicImported& revision : report.revisions) {
      const char* verb = revision.unchanged ? "unchanged " : report.dry_run ? "would write " : "wrote ";
      written += revision.unchanged ? 0 : 1;
      refusing += revision.rendered ? 0 : 1;
      out << verb << revision.up.string() << " (Alembic " << revision.id << ", "
          << (revision.rendered      ? "rendered offline"
              : revision.up_rendered ? "downgrade NOT RENDERED: its .down.sql refuses to run"
                                     : "NOT RENDERED: it refuses to run")
          << ")\n";
      if (!revision.rendered) out << "  why: " << revision.problem << "\n";
      revisions.push_back({{"id", revision.id},
                           {"version", revision.version_text},
                           {"name", revision.name},
                           {"source", revision.source.string()},
                           {"up", revision.up.string()},
                           {"down", revision.down.string()},
                           {"rendered", revision.rendered},
                           {"up_rendered", revision.up_rendered},
                           {"down_rendered", revision.down_rendered},
                           {"problem", revision.problem},
                           {"unchanged", revision.unchanged}});
    }
    if (refusing > 0) {
      std::string why = report.render_problem;
      for (const orchestrate::AlembicImported& revision : report.revisions) {
        if (why.empty()) why = revision.problem;
      }
      io.output.always() << "warning: " << why << "; " << refusing
                         << " revision file(s) refuse to run until replaced by their SQL, or apply them with alembic "
                            "and `migrate adopt "
                         << report.service << " --from alembic`\n";
    }
    out << report.service << ": " << written << (report.dry_run ? " to write, " : " written, ")
        << report.revisions.size() - written << " unchanged, " << refusing << " not rendered; ids in "
        << report.map_file.string() << "\n";
    return io.output.success({{"service", report.service},
                              {"folder", report.folder.string()},
                              {"map", report.map_file.string()},
                              {"dry_run", report.dry_run},
                              {"dialect", std::string(to_string(report.dialect))},
                              {"renderer", report.renderer},
                              {"render_problem", report.render_problem},
                              {"revisions", revisions}});
  }

  CLI::App* m_drizzle = nullptr;
  CLI::App* m_alembic = nullptr;
  orchestrate::AlembicImportRequest m_alembic_request;
  std::string m_service;
  std::string m_folder;
  bool m_dry_run = false;
};

}  // namespace

Registered add_import_command(CLI::App& app) {
  CLI::App* sub =
      app.add_subcommand("import", "Write a service's revisions from another tool's folder (drizzle, alembic)");
  return {sub, std::make_unique<ImportCommand>(*sub)};
}

}  // namespace migrate::cli
