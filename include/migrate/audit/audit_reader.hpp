// Reading the audit trail back: the newest events, for the dashboard.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace migrate::audit {

/// The newest `limit` events of the audit log at path, newest first, each one line (a JSON
/// object, as written); only those whose "service" is `service` when it is not empty. Lines
/// that are not whole JSON objects are skipped. A missing log has no events. Reads from the
/// end of the file, so a long log costs only what is returned. Throws Error(failed) when the
/// file exists but cannot be read.
std::vector<std::string> read_recent_events(const std::filesystem::path& path, std::size_t limit,
                                            const std::string& service = {});

}  // namespace migrate::audit
