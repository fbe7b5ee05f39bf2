// A revision as found on disk, resolved for one dialect, and as recorded in a database.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

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

/// A revision file's path, held as its folder (shared by every file loaded from that
/// folder) and its name: a std::filesystem::path per file would also hold a list of its
/// components, several hundred bytes per revision of a large folder. Converts to and
/// from std::filesystem::path.
class FilePath {
 public:
  FilePath() = default;
  FilePath(const std::filesystem::path& path);  // NOLINT(google-explicit-constructor): a path
  FilePath(const std::string& path) : FilePath(std::filesystem::path(path)) {}  // NOLINT(google-explicit-constructor)
  FilePath(const char* path) : FilePath(std::filesystem::path(path)) {}         // NOLINT(google-explicit-constructor)
  FilePath(std::shared_ptr<const std::filesystem::path> folder, std::string name)
      : m_folder(std::move(folder)), m_name(std::move(name)) {}

  std::filesystem::path path() const { return string(); }
  operator std::filesystem::path() const { return path(); }  // NOLINT(google-explicit-constructor)
  /// The folder and the name joined by '/' (as std::filesystem::path's operator/ would).
  std::string string() const;
  std::filesystem::path filename() const {
    return m_folder ? std::filesystem::path(m_name) : std::filesystem::path(m_name).filename();
  }
  /// The file's name (the whole path for one built from a path without a folder).
  const std::string& name() const { return m_name; }
  bool empty() const { return m_name.empty() && (!m_folder || m_folder->empty()); }

  friend bool operator==(const FilePath& a, const FilePath& b) { return a.path() == b.path(); }
  friend bool operator!=(const FilePath& a, const FilePath& b) { return !(a == b); }
  friend bool operator==(const FilePath& a, const std::filesystem::path& b) { return a.path() == b; }
  friend bool operator!=(const FilePath& a, const std::filesystem::path& b) { return !(a == b); }
  friend bool operator==(const FilePath& a, const std::string& b) { return a.path() == b; }
  friend bool operator!=(const FilePath& a, const std::string& b) { return !(a == b); }
  friend bool operator==(const FilePath& a, const char* b) { return a.path() == b; }
  friend bool operator!=(const FilePath& a, const char* b) { return !(a == b); }

 private:
  std::shared_ptr<const std::filesystem::path> m_folder;  ///< null: m_name is the whole path
  std::string m_name;
};

/// A SHA-256 digest held as its 32 bytes (its hex text would take three times the memory,
/// once per revision file); empty until set. Compares equal to its hex text.
class Digest {
 public:
  Digest() = default;
  /// From 64 hex digits; any other text gives an empty digest.
  static Digest from_hex(std::string_view hex);
  /// 64 lowercase hex digits; "" when empty.
  std::string hex() const;
  bool empty() const { return !m_set; }

  friend bool operator==(const Digest& a, const Digest& b) { return a.m_set == b.m_set && a.m_bytes == b.m_bytes; }
  friend bool operator!=(const Digest& a, const Digest& b) { return !(a == b); }
  friend bool operator==(const Digest& a, std::string_view hex) { return a.hex() == hex; }
  friend bool operator!=(const Digest& a, std::string_view hex) { return !(a == hex); }

 private:
  std::array<unsigned char, 32> m_bytes{};
  bool m_set = false;
};

/// One direction (up or down) of a revision: the file it came from, its SQL and directives.
struct RevisionScript {
  FilePath path;
  std::string sql;  ///< the file's text, without a leading UTF-8 byte order mark (see deferred)
  Directives directives;
  /// Set when the revision was loaded without its text: `sql` is empty until the runner
  /// reads the file (source::read_script_text), checked against `checksum`, just before
  /// it runs, and empty again after.
  bool deferred = false;
  Digest checksum{};  ///< SHA-256 of the file, CRLF normalised to LF (SQL files)
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
