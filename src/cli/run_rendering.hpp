// How up and down show their plan, their dry run and their report (text and JSON).
#pragma once

#include <string>

#include "cli/output.hpp"
#include "migrate/orchestrate/apply.hpp"

namespace migrate::cli {

/// "<service> (<database>): apply 0001_a .. 0003_c (3 revision(s))" per service, then the
/// backup line: what the confirmation is about.
void render_preview(Output& output, const orchestrate::Preview& preview, const std::string& backup);

/// The SQL that would run, with the history change after each revision; or under --json
/// {"dry_run": true, "services": {name: [{version, name, file, sql}]}}. Returns 0.
int render_dry_run(Output& output, const orchestrate::Preview& preview);

/// The outcome of a run: one summary line, or the JSON document with "services" (see
/// run_report_json; `key` names the list of committed versions: "applied",
/// "rolled_back"); `nothing_to_do` is the line for a run that had no work. Returns the
/// exit code: 0, or the failure's.
int render_run(Output& output, const RunReport& report, const std::string& key, const std::string& nothing_to_do);

}  // namespace migrate::cli
