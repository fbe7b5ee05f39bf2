// Streams the key/value pairs of a key-value store export (an Enmap-style JSON document or
// JSON Lines), one pair at a time, so that memory does not grow with the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace migrate::source {

/// The two export formats.
enum class KvFormat {
  enmap_document,  ///< {"name": …, "keys": [{"key": …, "value": …}, …], …}; other top-level members ignored
  json_lines,      ///< one {"key": …, "value": …} per line; blank lines allowed
};

/// "enmap document" or "json lines".
const char* to_string(KvFormat format);

/// One pair as read. The value is re-serialised compactly: no whitespace, object members
/// sorted by name, numbers and strings as nlohmann::json::dump() writes them (UTF-8 kept).
struct KvPair {
  std::string key;
  std::string value;  ///< compact JSON text
  std::string where;  ///< "line 7" (JSON Lines) or "byte 1234" (document: the pair's '{'), for messages
};

/// An export file opened for reading. Each element must be an object with exactly the
/// members "key" (a string) and "value" (any JSON). The format is told by the first member
/// name of the first object: "key" or "value" means JSON Lines, anything else a document.
class KvExportReader {
 public:
  /// Opens file and detects its format. Throws UsageError when it cannot be read, is
  /// empty, or does not start with a JSON object.
  explicit KvExportReader(std::filesystem::path file);

  KvFormat format() const { return m_format; }
  const std::filesystem::path& file() const { return m_file; }

  /// Calls on_pair for each pair in file order, holding only the current pair. Throws
  /// UsageError naming the file and the line (JSON Lines) or byte offset (document) for
  /// a syntax error or a wrong shape; exceptions from on_pair pass through unchanged.
  /// Call once.
  void for_each(const std::function<void(const KvPair&)>& on_pair);

 private:
  void read_lines(const std::function<void(const KvPair&)>& on_pair);
  void read_document(const std::function<void(const KvPair&)>& on_pair);

  std::filesystem::path m_file;
  std::ifstream m_in;
  KvFormat m_format = KvFormat::json_lines;
};

}  // namespace migrate::source
