// Plans, dry runs and run reports of up and down, for people and for pipelines.
#include "cli/run_rendering.hpp"

#include <ostream>

#include "migrate/source/revision_directory.hpp"

namespace migrate::cli {

namespace {

bool is_up(const orchestrate::Preview& preview) { return preview.direction == run::Direction::up; }

const RevisionScript& script_of(const Revision& revision, bool up) { return up ? revision.up : *revision.down; }

// The SQL a dry run shows: read now for a script loaded without its text.
std::string text_of(const RevisionScript& script) {
  return script.deferred && script.sql.empty() ? source::read_script_text(script) : script.sql;
}

}  // namespace

void render_preview(Output& output, const orchestrate::Preview& preview, const std::string& backup) {
  std::ostream& out = output.plan();
  for (const orchestrate::ServicePlan& plan : preview.services) {
    if (plan.revisions.empty()) continue;
    out << plan.service->name << " (" << plan.database << "): " << (is_up(preview) ? "apply " : "roll back ")
        << plan.revisions.front()->label();
    if (plan.revisions.size() > 1) out << " .. " << plan.revisions.back()->label();
    out << " (" << plan.revisions.size() << " revision(s))\n";
  }
  out << backup << "\n";
}

int render_dry_run(Output& output, const orchestrate::Preview& preview) {
  const bool up = is_up(preview);
  if (output.json()) {
    Json services = Json::object();
    for (const orchestrate::ServicePlan& plan : preview.services) {
      Json list = Json::array();
      for (const Revision* planned : plan.revisions) {
        const Revision& revision = *planned;
        const RevisionScript& script = script_of(revision, up);
        list.push_back({{"version", format_version(revision.version)},
                        {"name", revision.name},
                        {"file", script.path.string()},
                        {"sql", revision.step != nullptr ? script.sql : text_of(script)}});
      }
      services[plan.service->name] = std::move(list);
    }
    return output.success({{"dry_run", true}, {"direction", up ? "up" : "down"}, {"services", services}});
  }
  std::ostream& out = output.always();
  for (const orchestrate::ServicePlan& plan : preview.services) {
    for (const Revision* planned : plan.revisions) {
      const Revision& revision = *planned;
      const RevisionScript& script = script_of(revision, up);
      out << "-- " << plan.service->name << " " << revision.label() << (up ? "" : " (down)") << " on "
          << plan.database << "\n-- " << script.path.string() << "\n";
      if (revision.step != nullptr) {
        out << "-- (C++ step: runs its " << (up ? "up()" : "down()") << " in one transaction)\n";
      }
      const std::string sql = revision.step != nullptr ? script.sql : text_of(script);
      out << sql;
      if (!sql.empty() && sql.back() != '\n') out << "\n";
      if (up) {
        out << "-- then record " << format_version(revision.version) << " in schema_migrations (checksum "
            << revision.checksum << ")\n\n";
      } else {
        out << "-- then remove " << format_version(revision.version) << " from schema_migrations\n\n";
      }
    }
  }
  out << "-- dry run: nothing was changed\n";
  return 0;
}

int render_run(Output& output, const RunReport& report, const std::string& key, const std::string& nothing_to_do) {
  const bool up = key == "applied";
  // The per-revision document is built for --json only: a text run would build one entry
  // per revision (thousands, on a first deploy) to throw them away.
  const Json by_service = output.json() ? run_report_json(report, key) : Json::object();
  const Json services{{"services", by_service}};
  if (report.failure) {
    if (!output.json() && report.committed() != 0) {
      output.text() << (up ? "applied " : "rolled back ") << report.committed()
                    << " revision(s) before the failure\n";
    }
    return output.failure(*report.failure, services);
  }
  std::string message;
  switch (report.outcome) {
    case RunReport::Outcome::nothing_to_do:
      message = nothing_to_do;
      break;
    case RunReport::Outcome::declined:
      // Not confirmed: like a run refused for want of --yes, exit 2 (a pipeline must not
      // take it for a done deploy).
      message = up ? "Cancelled; nothing was applied." : "Cancelled; nothing was rolled back.";
      output.always() << message << "\n";
      return output.document(false, static_cast<int>(ExitCode::usage), "declined at the prompt: " + message,
                             {{"declined", true}, {"services", Json::object()}});
    case RunReport::Outcome::done:
    case RunReport::Outcome::failed:
      message = (up ? "applied " : "rolled back ") + std::to_string(report.committed()) + " revision(s)";
      break;
  }
  output.text() << message << "\n";
  return output.success({{"message", message}, {"services", by_service}});
}

}  // namespace migrate::cli
