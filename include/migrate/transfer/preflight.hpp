// `transfer preflight`: the environment a transfer needs, checked before anything is
// written: the source readable (and intact, on request), the target answering,
// extensions present or creatable, the role's privileges on what the copy touches, and
// the space the copy will take against the free space where it can be known. Each check
// passes, fails with the fix named, or says it cannot be known; nothing is guessed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "migrate/db/data_connection.hpp"
#include "migrate/transfer/mapping.hpp"

namespace migrate::transfer {

/// One check's result.
struct PreflightCheck {
  std::string name;    ///< "source", "source integrity", "target", "extension pg_trgm", "privileges", "space"
  std::optional<bool> ok;  ///< nullopt: cannot be known here (said, not guessed)
  std::string detail;  ///< what was found
  std::string fix;     ///< what to do when it failed
};

struct PreflightOptions {
  bool integrity = false;               ///< run SQLite's integrity_check (reads the whole file)
  std::vector<std::string> extensions;  ///< extensions the target must have (the spec's list)
};

/// Checks a resolved transfer; `source` and `target` are its open connections.
std::vector<PreflightCheck> preflight(db::DataConnection& source, db::DataConnection& target,
                                      const Mapping& mapping, const PreflightOptions& options);

/// The bytes the source's tables take: SQLite's pages in use, PostgreSQL's relation sizes.
std::int64_t source_bytes(db::DataConnection& source, const Mapping& mapping);

}  // namespace migrate::transfer
