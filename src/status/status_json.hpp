// JSON building blocks shared by the status, history and verify outputs (internal).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "migrate/model/revision.hpp"
#include "migrate/plan/plan.hpp"

namespace migrate::status {

/// {"version": "0003", "name": …, "kind": …, "file": …, "recorded_checksum": …, "file_checksum": …}
nlohmann::ordered_json drift_object(const plan::Drift& drift);

/// "0003", or null when there is no version.
nlohmann::ordered_json version_or_null(const std::optional<Version>& version);

}  // namespace migrate::status
