// Folder scanning and per-version validation of revision files.
#include "migrate/source/revision_directory.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <memory>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "migrate/source/checksum_cache.hpp"
#include "migrate/source/directives.hpp"
#include "migrate/source/revision_skeleton.hpp"
#include "migrate/source/statement_lexer.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"
#include "migrate/util/sha256.hpp"
#include "migrate/util/text.hpp"
#include "migrate/util/utf8.hpp"

namespace migrate::source {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_byte_order_mark = "\xEF\xBB\xBF";

}  // namespace

std::vector<RevisionFile> scan_revision_files(const fs::path& dir) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (ec || !fs::exists(status)) {
    throw ConfigError("migrations folder " + dir.string() + " does not exist");
  }
  if (!fs::is_directory(status)) {
    throw ConfigError("migrations folder " + dir.string() + " is not a folder");
  }

  std::vector<RevisionFile> files;
  // Counted first: growing the list by doubling would hold two copies of it at the end,
  // memory in proportion to the folder.
  std::size_t entries = 0;
  for (fs::directory_iterator count(dir, ec), end; !ec && count != end; count.increment(ec)) ++entries;
  files.reserve(entries);
  const auto folder = std::make_shared<const fs::path>(dir);
  fs::directory_iterator it(dir, ec);
  if (ec) throw ConfigError("cannot list migrations folder " + dir.string() + ": " + ec.message());
  for (const fs::directory_entry& entry : it) {
    const std::string file_name = entry.path().filename().string();
    // An editor's backup copy ("0001_x.up.sql~") is not a near miss.
    if (!looks_like_revision_file(file_name) || util::ends_with(file_name, "~")) continue;
    if (entry.is_directory(ec)) {
      throw ConfigError("revision file " + entry.path().string() + " is a folder, not a file");
    }
    std::optional<RevisionFileName> parsed = parse_revision_file_name(file_name);
    if (!parsed) {
      throw ConfigError("unparsable revision file name " + entry.path().string() + ": expected " +
                        k_revision_file_name_rule + "; rename the file, or move it out of the migrations folder");
    }
    files.push_back({FilePath(folder, file_name), std::move(*parsed)});
  }
  std::sort(files.begin(), files.end(), [](const RevisionFile& a, const RevisionFile& b) {
    if (a.parsed.version != b.parsed.version) return a.parsed.version < b.parsed.version;
    return a.path.name() < b.path.name();
  });
  return files;
}

namespace {

// The files of one version, by role and dialect variant (nullopt = generic).
struct VersionFiles {
  std::vector<const RevisionFile*> ups;
  std::vector<const RevisionFile*> downs;
  std::vector<const RevisionFile*> steps;
};

const RevisionFile* pick_for_dialect(const std::vector<const RevisionFile*>& files, Dialect dialect) {
  const RevisionFile* generic = nullptr;
  for (const RevisionFile* file : files) {
    if (file->parsed.variant == dialect) return file;
    if (!file->parsed.variant) generic = file;
  }
  return generic;
}

// The checksum of a file's bytes (a byte order mark included) with LF line ends, so a
// checkout with CRLF matches.
std::string file_checksum(const std::string& bytes) {
  return bytes.find('\r') == std::string::npos ? util::sha256_hex(bytes) : util::sha256_hex(util::crlf_to_lf(bytes));
}

// The bytes of the file at path. A std::string, not a std::filesystem::path, which would
// split the path into components for every file of a large folder.
std::string read_revision_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    std::string content;
    struct stat info {};
    if (::fstat(fd, &info) == 0 && info.st_size > 0) content.reserve(static_cast<std::size_t>(info.st_size));
    char buffer[16384];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) content.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (n == 0) return content;
  }
  // Cannot be opened or read: util::read_file words the error.
  try {
    return util::read_file(path);
  } catch (const std::runtime_error& e) {
    throw ConfigError(e.what());
  }
}

// SQL reaches PostgreSQL as UTF-8 and SQLite stores text as UTF-8: a file in another
// encoding would fail on one and store mangled text on the other, so it runs on neither.
void reject_invalid_utf8(const RevisionFile& file, std::string_view sql) {
  if (const std::optional<util::Utf8Error> bad = util::find_invalid_utf8(sql)) {
    static const char* const k_hex = "0123456789ABCDEF";
    throw ConfigError(file.path.string() + ":" + std::to_string(bad->line) + ":" + std::to_string(bad->column) +
                      ": not valid UTF-8 (byte 0x" + k_hex[bad->byte >> 4] + k_hex[bad->byte & 0xF] +
                      "); save revision files as UTF-8");
  }
}

// "0001_init" of "0001_init.up.sql": one version must have one spelling and one name.
std::string stem(const RevisionFile& file) { return std::string(revision_stem(file.path.name(), file.parsed)); }

// "3:14" of the byte at offset: its 1-based line and column (in characters) in text.
std::string position_of(std::string_view text, std::size_t offset) {
  const std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  const std::size_t from = line_start == std::string_view::npos || offset == 0 ? 0 : line_start + 1;
  std::size_t column = 1;
  for (std::size_t i = from; i < offset; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;  // not a continuation byte
  }
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
  return std::to_string(line) + ":" + std::to_string(column);
}

// The drivers hand SQL to libpq and SQLite as C strings, which end at a NUL: the rest of
// the file, and the history row sent after it, would silently never run.
void reject_nul(const RevisionFile& file, std::string_view sql) {
  const std::size_t at = sql.find('\0');
  if (at == std::string_view::npos) return;
  throw ConfigError(file.path.string() + ":" + position_of(sql, at) +
                    ": holds a NUL byte, which the database would take for the end of the file; "
                    "remove it (revision files are text)");
}

// Whether sql holds anything to run: false for white space, comments and lone ';'.
bool has_statements(std::string_view sql) {
  std::size_t pos = 0;
  while (pos < sql.size()) {
    const char c = sql[pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ';') {
      ++pos;
    } else if (sql.compare(pos, 2, "--") == 0) {
      pos = sql.find('\n', pos);
      if (pos == std::string_view::npos) return false;
    } else if (sql.compare(pos, 2, "/*") == 0) {
      int depth = 0;
      while (pos < sql.size()) {
        if (sql.compare(pos, 2, "/*") == 0) {
          ++depth;
          pos += 2;
        } else if (sql.compare(pos, 2, "*/") == 0) {
          pos += 2;
          if (--depth == 0) break;
        } else {
          ++pos;
        }
      }
    } else {
      return true;
    }
  }
  return false;
}

// A top-level COMMIT (or BEGIN, ROLLBACK …) would end the transaction that holds the
// revision and its history row: what follows would run, and be recorded, outside it.
void reject_transaction_control(const RevisionFile& file, const RevisionScript& script, Dialect dialect) {
  if (script.directives.no_transaction) return;
  const std::optional<TransactionControl> found =
      find_transaction_control(script.sql, file.parsed.variant.value_or(dialect));
  if (!found) return;
  throw ConfigError(file.path.string() + ":" + std::to_string(found->line) + ": " + found->keyword +
                    " at the top level of a revision that runs in a transaction: migrate runs each revision and "
                    "its history row in one transaction, which this would end early; remove it, or put "
                    "`-- migrate:no-transaction` at the top of the file to run it statement by statement "
                    "outside a transaction");
}

void check_one_name(const std::vector<const RevisionFile*>& files) {
  const RevisionFile* first = files.front();
  for (const RevisionFile* other : files) {
    if (stem(*other) != stem(*first)) {
      throw ConfigError("duplicate version " + format_version(first->parsed.version) + ": " +
                        first->path.filename().string() + " and " +
                        other->path.filename().string());
    }
  }
}

// The registered step for a .cpp file, checked against the file on disk.
Revision resolve_step(const RevisionFile& file, const std::string& service,
                      const std::vector<step::StepDefinition>& steps) {
  const step::StepDefinition* found = nullptr;
  for (const step::StepDefinition& definition : steps) {
    if (service == definition.service && definition.version == file.parsed.version) found = &definition;
  }
  if (found == nullptr || file.parsed.name != found->name) {
    throw ConfigError("C++ step " + file.path.string() +
                      " is not compiled into this migrate binary (the binary is older than the tree): "
                      "rebuild migrate");
  }
  if (util::sha256_hex(read_revision_file(file.path.string())) != found->checksum) {
    throw ConfigError("C++ step " + file.path.string() +
                      " changed since this migrate binary was built: rebuild migrate");
  }
  Revision revision;
  revision.version = file.parsed.version;
  revision.name = file.parsed.name;
  revision.kind = RevisionKind::cpp;
  revision.step = found;
  revision.up = {file.path, "", {}};
  if (found->down != nullptr) revision.down = RevisionScript{file.path, "", {}};
  revision.checksum = found->checksum;
  return revision;
}

// The contents of a folder's SQL files, read ahead by two threads, a window of files at a
// time: opening and reading many small files is most of what loading costs, and holding
// every file's text at once would make memory grow with the folder. A file the checksum
// cache knows unchanged (same stamp) is not read. A file that cannot be read keeps its
// error, thrown when the file's turn comes, so errors come in the same order as ever.
class FileContents {
 public:
  struct Slot {
    std::optional<FileStamp> stamp;  ///< taken before the read: a later write changes it
    std::optional<CheckedFile> cached;
    std::string content;
    std::exception_ptr error;
  };

  /// Files read ahead at a time; a version's files (at most a few) may straddle two windows.
  static constexpr std::size_t k_window = 256;

  FileContents(const std::vector<RevisionFile>& files, const ChecksumCache* cache, Dialect dialect)
      : m_files(files), m_cache(cache), m_dialect(dialect), m_slots(files.size()) {}

  // The slot of file, moved out (each file is used once); throws its read error.
  Slot take(const RevisionFile& file) {
    const auto index = static_cast<std::size_t>(&file - m_files.data());
    while (index >= m_read_to) read_window();
    std::unique_ptr<Slot> slot = std::move(m_slots.at(index));
    if (slot->error) std::rethrow_exception(slot->error);
    return std::move(*slot);
  }

 private:
  void read_window() {
    const std::size_t from = m_read_to;
    const std::size_t to = std::min(m_files.size(), from + k_window);
    for (std::size_t i = from; i < to; ++i) m_slots[i] = std::make_unique<Slot>();
    std::atomic<std::size_t> next{from};
    const auto work = [&] {
      for (std::size_t i = next++; i < to; i = next++) {
        if (m_files[i].parsed.role == FileRole::step) continue;
        Slot& slot = *m_slots[i];
        try {
          const std::string path = m_files[i].path.string();
          if (m_cache != nullptr) {
            slot.stamp = stamp_of(path);
            if (slot.stamp) slot.cached = m_cache->find(path, m_dialect, *slot.stamp);
            if (slot.cached) continue;
          }
          slot.content = read_revision_file(path);
        } catch (...) {
          slot.error = std::current_exception();
        }
      }
    };
    constexpr std::size_t k_files_worth_a_thread = 64;
    std::thread helper;
    const bool reads_many = m_cache == nullptr || m_cache->size() < m_files.size() / 2;
    if (to - from >= k_files_worth_a_thread && reads_many) helper = std::thread(work);
    work();
    if (helper.joinable()) helper.join();
    m_read_to = to;
  }

  const std::vector<RevisionFile>& m_files;
  const ChecksumCache* m_cache;
  Dialect m_dialect;
  std::vector<std::unique_ptr<Slot>> m_slots;  ///< null: not read yet, or taken
  std::size_t m_read_to = 0;                   ///< files [0, m_read_to) have been read
};

Revision resolve(Version version, const VersionFiles& group, Dialect dialect, const std::string& service,
                 const std::vector<step::StepDefinition>& steps, FileContents& contents, const LoadOptions& options) {
  if (!group.steps.empty()) {
    const RevisionFile& step_file = *group.steps.front();
    if (!is_compilable_step_name(step_file.path.name())) {
      throw ConfigError("C++ step " + step_file.path.string() +
                        " cannot be compiled in: the build takes C++ steps named NNNN_snake_name.cpp (at least four "
                        "digits; lowercase letters, digits and '_'); rename the file");
    }
    if (!group.ups.empty() || !group.downs.empty()) {
      throw ConfigError("duplicate version " + format_version(version) + ": C++ step " +
                        step_file.path.filename().string() + " beside SQL files");
    }
    return resolve_step(step_file, service, steps);
  }
  if (group.ups.empty()) {
    throw ConfigError("revision file " + group.downs.front()->path.string() +
                      " has no matching .up.sql file");
  }
  const RevisionFile* up = pick_for_dialect(group.ups, dialect);
  const RevisionFile* down = pick_for_dialect(group.downs, dialect);
  Revision revision;
  // Every file is read and checked once, not just this dialect's: a folder is valid or
  // not as a whole. A file the cache knows was checked, unchanged, and is not read again.
  struct Loaded {
    RevisionScript script;
    bool has_statements = false;
  };
  auto load = [&](const RevisionFile& file) {
    FileContents::Slot slot = contents.take(file);
    Loaded loaded{RevisionScript{file.path, "", {}}, false};
    RevisionScript& script = loaded.script;
    if (slot.cached) {
      script.directives = slot.cached->directives;
      script.checksum = std::move(slot.cached->checksum);
      script.deferred = true;
      loaded.has_statements = slot.cached->has_statements;
      return loaded;
    }
    script.sql = std::move(slot.content);
    std::string_view text = script.sql;
    const bool bom = util::starts_with(text, k_byte_order_mark);
    if (bom) text.remove_prefix(k_byte_order_mark.size());
    reject_invalid_utf8(file, text);
    reject_nul(file, text);
    // The checksum is that of the file's bytes (a byte order mark included) with LF line
    // ends, so a checkout with CRLF matches. PostgreSQL would take the mark for a
    // character of the first statement, so it is not run.
    script.checksum = Digest::from_hex(file_checksum(script.sql));
    if (bom) script.sql.erase(0, k_byte_order_mark.size());
    script.directives = parse_directives(script.sql, file.path);
    reject_transaction_control(file, script, dialect);
    loaded.has_statements = has_statements(script.sql);
    if (!loaded.has_statements && file.parsed.role == FileRole::up && is_unchanged_skeleton(script.sql)) {
      throw ConfigError("revision file " + file.path.string() +
                        " is still the skeleton `migrate new` wrote; write the change or delete the file");
    }
    if (options.cache != nullptr && slot.stamp) {
      options.cache->remember(file.path.string(), dialect, *slot.stamp,
                              CheckedFile{script.checksum, script.directives, loaded.has_statements});
    }
    if (!options.keep_text) {
      std::string().swap(script.sql);  // frees it (assigning "" keeps the buffer)
      script.deferred = true;
    }
    return loaded;
  };
  for (const RevisionFile* file : group.ups) {
    Loaded loaded = load(*file);
    if (file == up) {
      revision.no_op = !loaded.has_statements;
      revision.checksum = loaded.script.checksum.hex();
      revision.up = std::move(loaded.script);
    }
  }
  for (const RevisionFile* file : group.downs) {
    Loaded loaded = load(*file);
    if (file == down) revision.down = std::move(loaded.script);
  }
  if (up == nullptr) {
    throw ConfigError("revision " + format_version(version) + "_" + group.ups.front()->parsed.name +
                      " has no up file for " + std::string(to_string(dialect)) + " (add " +
                      format_version(version) + "_" + group.ups.front()->parsed.name + ".up.sql or .up." +
                      std::string(to_string(dialect)) + ".sql)");
  }
  revision.version = version;
  revision.name = up->parsed.name;
  revision.kind = RevisionKind::sql;
  return revision;
}

}  // namespace

// A step compiled in for this service must still have its file.
void check_steps_have_files(const std::vector<RevisionFile>& files, const fs::path& dir, const std::string& service,
                            const std::vector<step::StepDefinition>& steps) {
  for (const step::StepDefinition& definition : steps) {
    if (service != definition.service) continue;
    const bool present = std::any_of(files.begin(), files.end(), [&](const RevisionFile& file) {
      return file.parsed.role == FileRole::step && file.parsed.version == definition.version;
    });
    if (!present) {
      throw ConfigError("C++ step " + format_version(definition.version) + "_" + definition.name +
                        " is compiled into this migrate binary but its file is missing from " + dir.string() +
                        " (restore the file, or rebuild migrate without it)");
    }
  }
}

std::vector<Revision> load_revisions(const fs::path& dir, Dialect dialect, const std::string& service,
                                     const std::vector<step::StepDefinition>& steps) {
  return load_revisions(dir, dialect, service, steps, LoadOptions{});
}

std::vector<Revision> load_revisions(const fs::path& dir, Dialect dialect, const std::string& service,
                                     const std::vector<step::StepDefinition>& steps, const LoadOptions& options) {
  const std::vector<RevisionFile> files = scan_revision_files(dir);
  check_steps_have_files(files, dir, service, steps);
  FileContents contents(files, options.cache, dialect);
  std::size_t versions = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (i == 0 || files[i].parsed.version != files[i - 1].parsed.version) ++versions;
  }
  std::vector<Revision> revisions;
  revisions.reserve(versions);
  // The files are sorted by version: each version's files are one run of them, grouped
  // one version at a time (not all at once, which would cost memory per revision).
  for (std::size_t first = 0; first < files.size();) {
    const Version version = files[first].parsed.version;
    VersionFiles group;
    std::vector<const RevisionFile*> all;
    std::size_t end = first;
    for (; end < files.size() && files[end].parsed.version == version; ++end) {
      const RevisionFile& file = files[end];
      switch (file.parsed.role) {
        case FileRole::up: group.ups.push_back(&file); break;
        case FileRole::down: group.downs.push_back(&file); break;
        case FileRole::step: group.steps.push_back(&file); break;
      }
    }
    all.insert(all.end(), group.ups.begin(), group.ups.end());
    all.insert(all.end(), group.downs.begin(), group.downs.end());
    all.insert(all.end(), group.steps.begin(), group.steps.end());
    check_one_name(all);
    revisions.push_back(resolve(version, group, dialect, service, steps, contents, options));
    first = end;
  }
  return revisions;
}

std::string read_script_text(const RevisionScript& script) {
  std::string text;
  try {
    text = util::read_file(script.path);
  } catch (const std::runtime_error& e) {
    throw BlockedError("revision file " + script.path.string() + " cannot be read again to run it (" + e.what() +
                       "); it did not run; restore the file and run migrate again");
  }
  const std::string checksum = file_checksum(text);
  if (script.checksum != checksum) {
    throw BlockedError("revision file " + script.path.string() +
                       " changed after migrate checked and planned this run (checksum " +
                       script.checksum.hex().substr(0, 12) + "… then, " + checksum.substr(0, 12) +
                       "… now): it did not run; run migrate again to check and plan with the file as it is now");
  }
  if (util::starts_with(text, k_byte_order_mark)) text.erase(0, k_byte_order_mark.size());
  return text;
}

}  // namespace migrate::source
