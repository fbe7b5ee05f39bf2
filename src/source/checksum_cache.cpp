// The checksum cache file: one line per file, closed by a digest of the lines, rewritten
// whole (a new file renamed into place) when anything changed.
#include "migrate/source/checksum_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <fstream>
#include <system_error>
#include <vector>

#include "migrate/util/file_io.hpp"
#include "migrate/util/sha256.hpp"

namespace migrate::source {

namespace fs = std::filesystem;

namespace {

constexpr int k_format = 1;
constexpr std::size_t k_fields = 12;

std::int64_t nanoseconds(const timespec& time) {
  return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

std::string key_of(const std::string& path, Dialect dialect) { return std::string(to_string(dialect)) + " " + path; }

void split_tabs(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t from = 0;
  for (std::size_t tab = line.find('\t'); tab != std::string_view::npos; tab = line.find('\t', from)) {
    fields.push_back(line.substr(from, tab - from));
    from = tab + 1;
  }
  fields.push_back(line.substr(from));
}

template <typename Number>
bool parse_number(std::string_view text, Number& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool parse_flag(std::string_view text, bool& out) {
  if (text != "0" && text != "1") return false;
  out = text == "1";
  return true;
}

bool parse_limit(std::string_view text, std::optional<std::chrono::milliseconds>& out) {
  if (text == "-") return true;
  std::int64_t ms = 0;
  if (!parse_number(text, ms)) return false;
  out = std::chrono::milliseconds(ms);
  return true;
}

std::string limit_text(const std::optional<std::chrono::milliseconds>& limit) {
  return limit ? std::to_string(limit->count()) : "-";
}

bool is_hex_digest(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// This binary's own stamp: a rebuilt migrate (whose checks may differ) starts afresh.
std::string binary_stamp() {
  const std::optional<FileStamp> self = stamp_of("/proc/self/exe");
  if (!self) return "unknown";
  return std::to_string(self->size) + ":" + std::to_string(self->inode) + ":" + std::to_string(self->mtime_ns);
}

}  // namespace

std::optional<FileStamp> stamp_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  FileStamp stamp;
  stamp.size = static_cast<std::uint64_t>(info.st_size);
  stamp.device = static_cast<std::uint64_t>(info.st_dev);
  stamp.inode = static_cast<std::uint64_t>(info.st_ino);
  stamp.mtime_ns = nanoseconds(info.st_mtim);
  stamp.ctime_ns = nanoseconds(info.st_ctim);
  return stamp;
}

std::string ChecksumCache::header() {
  static const std::string text =
      "migrate checksum cache " + std::to_string(k_format) + " " + MIGRATE_VERSION + " " + binary_stamp();
  return text;
}

ChecksumCache::ChecksumCache(fs::path file) : m_file(std::move(file)) { read(); }

void ChecksumCache::read() {
  std::string text;
  try {
    text = util::read_file(m_file);
  } catch (const std::exception&) {
    return;  // none yet, or unreadable: an empty cache
  }
  const std::size_t end_line = text.rfind("\nend\t");
  if (end_line == std::string::npos || text.back() != '\n') return;
  const std::string_view body(text.data(), end_line + 1);
  std::vector<std::string_view> closing;
  split_tabs(std::string_view(text).substr(end_line + 1, text.size() - end_line - 2), closing);
  std::size_t count = 0;
  if (closing.size() != 3 || !parse_number(closing[1], count) || closing[2] != util::sha256_hex(body)) return;

  std::map<std::string, Entry> entries;
  // Lines are read in place: a copy of the text would double what reading costs.
  std::size_t from = body.find('\n');
  if (from == std::string_view::npos || body.substr(0, from) != header()) return;  // another version's, or not ours
  std::vector<std::string_view> f;
  for (++from; from < body.size();) {
    const std::size_t eol = body.find('\n', from);
    split_tabs(body.substr(from, eol - from), f);
    from = eol + 1;
    Entry entry;
    Dialect dialect = Dialect::postgres;
    if (f.size() != k_fields) return;
    if (f[0] == "sqlite") {
      dialect = Dialect::sqlite;
    } else if (f[0] != "postgres") {
      return;
    }
    if (!parse_number(f[1], entry.stamp.size) || !parse_number(f[2], entry.stamp.device) ||
        !parse_number(f[3], entry.stamp.inode) || !parse_number(f[4], entry.stamp.mtime_ns) ||
        !parse_number(f[5], entry.stamp.ctime_ns) || !is_hex_digest(f[6]) ||
        !parse_flag(f[7], entry.checked.directives.no_transaction) || !parse_flag(f[8], entry.checked.has_statements) ||
        !parse_limit(f[9], entry.checked.directives.timeouts.lock_timeout) ||
        !parse_limit(f[10], entry.checked.directives.timeouts.statement_timeout) || f[11].empty()) {
      return;
    }
    entry.checked.checksum = Digest::from_hex(f[6]);
    entries.emplace(key_of(std::string(f[11]), dialect), std::move(entry));
  }
  if (entries.size() != count) return;
  m_entries = std::move(entries);
}

std::optional<CheckedFile> ChecksumCache::find(const std::string& path, Dialect dialect, const FileStamp& stamp) const {
  const auto it = m_entries.find(key_of(path, dialect));
  if (it == m_entries.end() || !(it->second.stamp == stamp)) return std::nullopt;
  return it->second.checked;
}

void ChecksumCache::remember(const std::string& path, Dialect dialect, const FileStamp& stamp,
                             const CheckedFile& checked) {
  const std::string& text = path;
  if (text.find_first_of("\t\n\r") != std::string::npos) return;  // not in a line of the file
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  // A ctime on a whole second is taken for a file system with coarse timestamps.
  const std::int64_t window = stamp.ctime_ns % 1'000'000'000 != 0 ? k_racy_window_ns : k_coarse_racy_window_ns;
  if (now - stamp.mtime_ns < window || now - stamp.ctime_ns < window) return;
  const std::string key = key_of(path, dialect);
  const auto it = m_entries.find(key);
  if (it != m_entries.end() && it->second.stamp == stamp && it->second.checked.checksum == checked.checksum) return;
  m_entries[key] = Entry{stamp, checked};
  m_changed = true;
}

void ChecksumCache::save() noexcept {
  if (!m_changed) return;
  try {
    const fs::path dir = m_file.parent_path();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return;
    const fs::path ignore = dir / ".gitignore";
    if (!fs::exists(ignore, ec)) {
      std::ofstream(ignore) << "# migrate's checksum cache (safe to delete): never committed\n*\n";
    }
    const fs::path temporary = m_file.string() + "." + std::to_string(::getpid()) + ".tmp";
    {
      // Line by line, hashed as written: the whole text at once would cost memory per
      // revision file.
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      util::Sha256 digest;
      std::string line = header() + "\n";
      const auto write = [&] {
        digest.update(line);
        out << line;
      };
      write();
      for (const auto& [key, entry] : m_entries) {
        const std::size_t space = key.find(' ');
        const CheckedFile& c = entry.checked;
        line = key.substr(0, space) + "\t" + std::to_string(entry.stamp.size) + "\t" +
               std::to_string(entry.stamp.device) + "\t" + std::to_string(entry.stamp.inode) + "\t" +
               std::to_string(entry.stamp.mtime_ns) + "\t" + std::to_string(entry.stamp.ctime_ns) + "\t" +
               c.checksum.hex() + "\t" + (c.directives.no_transaction ? "1" : "0") + "\t" +
               (c.has_statements ? "1" : "0") + "\t" + limit_text(c.directives.timeouts.lock_timeout) + "\t" +
               limit_text(c.directives.timeouts.statement_timeout) + "\t" + key.substr(space + 1) + "\n";
        write();
      }
      out << "end\t" << m_entries.size() << "\t" << digest.hex_digest() << "\n";
      if (!out.flush()) {
        fs::remove(temporary, ec);
        return;
      }
    }
    fs::rename(temporary, m_file, ec);
    if (ec) fs::remove(temporary, ec);
    m_changed = false;
  } catch (...) {
  }
}

}  // namespace migrate::source
