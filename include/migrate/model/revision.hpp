// A revision as found on disk, resolved for one dialect, and as recorded in a database.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace migrate::step {
struct StepDefinition;
}

namespace migrate {

using Version = std::int64_t;

/// "0006": a version zero-padded to at least four digits.
std::string format_version(Version version);

enum class RevisionKind { sql, cpp };

/// "sql" or "cpp", as stored in schema_migrations.kind.
std::string_view to_string(RevisionKind kind) noexcept;

/// PostgreSQL's lock_timeout and statement_timeout for a revision; unset keeps the
/// server's setting. SQLite has neither.
struct Timeouts {
  std::optional<std::chrono::milliseconds> lock_timeout;
  std::optional<std::chrono::milliseconds> statement_timeout;

  /// Each limit of `over` where set, else this one's.
  Timeouts overridden_by(const Timeouts& over) const {
    return {over.lock_timeout ? over.lock_timeout : lock_timeout,
            over.statement_timeout ? over.statement_timeout : statement_timeout};
  }
  bool operator==(const Timeouts& other) const {
    return lock_timeout == other.lock_timeout && statement_timeout == other.statement_timeout;
  }
  bool operator!=(const Timeouts& other) const { return !(*this == other); }
};

/// How one revision file asks to be run: its `-- migrate:` directives.
struct Directives {
  bool no_transaction = false;  ///< -- migrate:no-transaction: statement by statement, marked dirty meanwhile
  Timeouts timeouts;            ///< -- migrate:lock-timeout 5s, -- migrate:statement-timeout 10min
};

/// One direction (up or down) of a revision: the file it came from, its SQL and directives.
struct RevisionScript {
  std::filesystem::path path;
  std::string sql;  ///< the file's text, without a leading UTF-8 byte order mark (see deferred)
  Directives directives;
  /// Set when the revision was loaded without its text: `sql` is empty until the runner
  /// reads the file (source::read_script_text), checked against `checksum`, just before
  /// it runs, and empty again after.
  bool deferred = false;
  std::string checksum{};  ///< SHA-256 of the file, CRLF normalised to LF (SQL files)
};

/// A revision resolved for one dialect: what `up` runs and what `down` runs.
struct Revision {
  Version version = 0;
  std::string name;  ///< snake_case name from the file name
  RevisionKind kind = RevisionKind::sql;
  RevisionScript up;
  std::optional<RevisionScript> down;  ///< absent: irreversible
  std::string checksum;                ///< SHA-256 of the up file, CRLF normalised to LF
  const step::StepDefinition* step = nullptr;  ///< kind cpp: the compiled step (up.path is its .cpp)
  bool no_op = false;  ///< the up file has no statements (empty or comments only): recorded, runs nothing

  /// "0003_add_priority", the label used in every message.
  std::string label() const;
};

/// A row of schema_migrations.
struct AppliedRevision {
  Version version = 0;
  std::string name;
  std::string kind;
  std::string checksum;
  std::string applied_at;  ///< UTC, ISO 8601
  std::int64_t duration_ms = 0;
  std::string applied_by;
  bool dirty = false;
};

}  // namespace migrate
