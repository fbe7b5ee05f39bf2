// The checksum cache: what loading learnt from each revision file (checksum, directives,
// whether it has statements), keyed on the file's stat fields, so that an unchanged file
// is not read and hashed again on every command.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "migrate/model/dialect.hpp"
#include "migrate/model/revision.hpp"

namespace migrate::source {

/// What identifies a file's content without reading it. Any write to a file changes its
/// ctime (which no tool can set back), so a file whose stamp is unchanged is unchanged.
struct FileStamp {
  std::uint64_t size = 0;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t mtime_ns = 0;  ///< modification time, nanoseconds since the epoch
  std::int64_t ctime_ns = 0;  ///< status change time, nanoseconds since the epoch

  bool operator==(const FileStamp& other) const {
    return size == other.size && device == other.device && inode == other.inode && mtime_ns == other.mtime_ns &&
           ctime_ns == other.ctime_ns;
  }
};

/// The stamp of the file at path (following symbolic links); nullopt when stat fails.
std::optional<FileStamp> stamp_of(const std::string& path);

/// What loading found in a revision file that passed every check.
struct CheckedFile {
  Digest checksum;  ///< SHA-256 of the bytes, CRLF normalised to LF
  Directives directives;
  bool has_statements = false;
};

/// A cache file of CheckedFile by (path, dialect) and FileStamp. A cache file that is
/// missing, corrupt (any line unreadable, or its closing digest wrong) or written by
/// another version of migrate is an empty cache. Not thread-safe for writes.
class ChecksumCache {
 public:
  /// The cache of `file` (<project>/.migrate-cache/checksums), read now.
  explicit ChecksumCache(std::filesystem::path file);

  /// The entry for path as loaded for dialect, when its stamp is exactly `stamp`.
  std::optional<CheckedFile> find(const std::string& path, Dialect dialect, const FileStamp& stamp) const;

  /// Records what a fresh read of path found. A file changed too recently is not
  /// recorded: another write within the same timestamp tick would leave the same stamp.
  /// The tick is the kernel's clock tick (milliseconds) where timestamps have
  /// nanoseconds, up to 2 s on file systems with whole-second timestamps.
  void remember(const std::string& path, Dialect dialect, const FileStamp& stamp, const CheckedFile& checked);

  /// Writes the cache file when anything was remembered (a new file, renamed into place,
  /// and a .gitignore beside it). Never throws: without a cache, commands only hash again.
  void save() noexcept;

  std::size_t size() const { return m_entries.size(); }

  /// "migrate checksum cache <format> <version>": the first line of a cache file.
  static std::string header();

  static constexpr std::int64_t k_racy_window_ns = 100'000'000;          ///< timestamps with nanoseconds
  static constexpr std::int64_t k_coarse_racy_window_ns = 2'000'000'000;  ///< whole-second timestamps

 private:
  struct Entry {
    FileStamp stamp;
    CheckedFile checked;
  };
  void read();

  std::filesystem::path m_file;
  std::map<std::string, Entry> m_entries;  ///< by "<dialect> <path>"
  bool m_changed = false;
};

}  // namespace migrate::source
