// The server's responses as values: the JSON documents of the API and the /metrics text (internal).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "migrate/orchestrate/backups.hpp"
#include "migrate/orchestrate/read_status.hpp"
#include "serve/status_cache.hpp"

namespace migrate::serve {

using Json = nlohmann::ordered_json;

/// The `status --json` document of DESIGN.md, extended: "generated_at", and per service
/// "lock" (object or null) and "last_applied_at" (null when nothing is applied).
Json status_document(const Snapshot& snapshot);

/// One history entry, in the shape of `history --json`.
Json history_entry(const orchestrate::HistoryEntry& entry);

/// {"success": true, "events": [<audit line>, …]}, newest first.
Json audit_document(const std::vector<std::string>& lines);

/// One backup as JSON: file name (never its folder), timestamp, size, database (redacted).
Json backup_entry(const backup::BackupFile& file);

/// {"success": true, "services": {"<name>": [backup, …]}}, newest first.
Json backups_document(const std::vector<orchestrate::ServiceBackups>& backups);

/// {"ready": bool, "services": {"<name>": {"up": bool, "error"?: …}}}.
Json readiness_document(const Snapshot& snapshot);

/// Whether every service's database could be read.
bool ready(const Snapshot& snapshot);

/// The Prometheus text exposition of the snapshot (format 0.0.4).
std::string metrics_text(const Snapshot& snapshot);

/// {"success": false, "error": message}.
Json error_document(const std::string& message);

/// Seconds since the epoch of a UTC ISO 8601 time ("2026-12-07T16:35:12.123Z" or with a
/// space instead of the T); -1 when it does not parse.
double epoch_seconds(const std::string& iso8601);

}  // namespace migrate::serve
