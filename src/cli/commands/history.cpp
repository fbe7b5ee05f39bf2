// `migrate history [service]`: every revision with its applied time, or "pending".
#include <iomanip>
#include <ostream>

#include "cli/command.hpp"
#include "migrate/orchestrate/read_status.hpp"

namespace migrate::cli {

namespace {

using Entry = orchestrate::HistoryEntry;

class HistoryCommand final : public Command {
 public:
  explicit HistoryCommand(CLI::App& app) {
    app.add_option("service", m_service, "Only this service");
    app.add_flag("--verbose", m_verbose, "Each revision's file, kind, checksum and who applied it, on lines of its own");
  }

  int run(const GlobalOptions& options, Io& io) override {
    orchestrate::Project project = open_project(options, db::OpenMode::read_only);
    const auto services = project.select(m_service);
    project.load_all(services);
    Json by_service = Json::object();
    for (const config::ServiceConfig* service : services) {
      const std::vector<Entry> entries = orchestrate::read_history(project, *service);
      Json list = Json::array();
      for (const Entry& e : entries) list.push_back(to_json(e));
      by_service[service->name] = std::move(list);
      if (m_verbose) {
        print_verbose(io.output.always(), service->name, entries);
      } else {
        print(io.output.always(), service->name, entries);
      }
    }
    return io.output.success({{"services", by_service}});
  }

 private:
  static Json to_json(const Entry& e) {
    Json object = {{"version", format_version(e.version)}, {"name", e.name}, {"state", e.state}};
    object["file"] = e.file.empty() ? Json(nullptr) : Json(e.file);
    if (e.applied) {
      object["applied_at"] = e.applied->applied_at;
      object["duration_ms"] = e.applied->duration_ms;
      object["applied_by"] = e.applied->applied_by;
      object["kind"] = e.applied->kind;
      object["checksum"] = e.applied->checksum;
      object["checksum_ok"] = e.checksum_ok;
    } else {
      object["applied_at"] = nullptr;
    }
    return object;
  }

  static void print(std::ostream& out, const std::string& service, const std::vector<Entry>& entries) {
    out << service << "\n";
    for (const Entry& e : entries) {
      out << "  " << format_version(e.version) << "_" << std::left << std::setw(36) << e.name;
      if (e.applied) {
        out << std::setw(26) << e.applied->applied_at << std::right << std::setw(7) << e.applied->duration_ms
            << " ms  " << e.applied->applied_by;
        if (e.state != "applied") out << "  [" << e.state << "]";
        if (!e.checksum_ok) out << "  [edited since applied]";
      } else {
        out << "pending";
      }
      out << "\n";
    }
  }

  // Alembic's `history --verbose`: a block per revision.
  static void print_verbose(std::ostream& out, const std::string& service, const std::vector<Entry>& entries) {
    out << service << "\n";
    for (const Entry& e : entries) {
      out << "  Rev: " << format_version(e.version) << "_" << e.name << " (" << e.state << ")\n";
      out << "    File: " << (e.file.empty() ? "(missing)" : e.file) << "\n";
      if (e.applied) {
        out << "    Applied: " << e.applied->applied_at << " by " << e.applied->applied_by << " in "
            << e.applied->duration_ms << " ms\n";
        out << "    Kind: " << e.applied->kind << "\n";
        out << "    Checksum: " << e.applied->checksum << (e.checksum_ok ? "" : " (the file was edited since)") << "\n";
      }
    }
  }

  std::string m_service;
  bool m_verbose = false;
};

}  // namespace

Registered add_history_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("history", "List every revision with its applied time or 'pending'");
  return {sub, std::make_unique<HistoryCommand>(*sub)};
}

}  // namespace migrate::cli
