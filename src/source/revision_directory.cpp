// Folder scanning and per-version validation of revision files.
#include "migrate/source/revision_directory.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <system_error>
#include <thread>

#include "migrate/source/directives.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"
#include "migrate/util/sha256.hpp"
#include "migrate/util/text.hpp"
#include "migrate/util/utf8.hpp"

namespace migrate::source {

namespace fs = std::filesystem;

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
  fs::directory_iterator it(dir, ec);
  if (ec) throw ConfigError("cannot list migrations folder " + dir.string() + ": " + ec.message());
  for (const fs::directory_entry& entry : it) {
    const std::string file_name = entry.path().filename().string();
    if (!looks_like_revision_file(file_name)) continue;
    if (entry.is_directory(ec)) {
      throw ConfigError("revision file " + entry.path().string() + " is a folder, not a file");
    }
    std::optional<RevisionFileName> parsed = parse_revision_file_name(file_name);
    if (!parsed) {
      throw ConfigError("unparsable revision file name " + entry.path().string() +
                        ": expected NNNN_snake_name.up.sql, NNNN_snake_name.down.sql "
                        "(optionally .up.postgres.sql / .up.sqlite.sql) or NNNN_snake_name.cpp");
    }
    files.push_back({entry.path(), std::move(*parsed)});
  }
  // All files are in one folder: comparing whole paths orders them by file name.
  std::sort(files.begin(), files.end(), [](const RevisionFile& a, const RevisionFile& b) {
    if (a.parsed.version != b.parsed.version) return a.parsed.version < b.parsed.version;
    return a.path.native() < b.path.native();
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

std::string read_revision_file(const fs::path& path) {
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
std::string stem(const RevisionFile& file) {
  const std::string name = file.path.filename().string();
  return name.substr(0, name.find('.'));
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
  if (util::sha256_hex(read_revision_file(file.path)) != found->checksum) {
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

// The contents of a folder's SQL files, read up front by two threads: opening and reading
// hundreds of small files is most of what loading costs. A file that cannot be read keeps
// its error, thrown when the file's turn comes, so errors come in the same order as ever.
class FileContents {
 public:
  explicit FileContents(const std::vector<RevisionFile>& files) : m_files(files), m_slots(files.size()) {
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
      for (std::size_t i = next++; i < m_files.size(); i = next++) {
        if (m_files[i].parsed.role == FileRole::step) continue;
        try {
          m_slots[i].content = read_revision_file(m_files[i].path);
        } catch (...) {
          m_slots[i].error = std::current_exception();
        }
      }
    };
    constexpr std::size_t k_files_worth_a_thread = 64;
    std::thread helper;
    if (m_files.size() >= k_files_worth_a_thread) helper = std::thread(work);
    work();
    if (helper.joinable()) helper.join();
  }

  // The content of file, moved out (each file is used once); throws its read error.
  std::string take(const RevisionFile& file) {
    Slot& slot = m_slots.at(static_cast<std::size_t>(&file - m_files.data()));
    if (slot.error) std::rethrow_exception(slot.error);
    return std::move(slot.content);
  }

 private:
  struct Slot {
    std::string content;
    std::exception_ptr error;
  };
  const std::vector<RevisionFile>& m_files;
  std::vector<Slot> m_slots;
};

Revision resolve(Version version, const VersionFiles& group, Dialect dialect, const std::string& service,
                 const std::vector<step::StepDefinition>& steps, FileContents& contents) {
  if (!group.steps.empty()) {
    const RevisionFile& step_file = *group.steps.front();
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
  // Every file is read and checked once, not just this dialect's: a folder is valid or
  // not as a whole.
  auto load = [&](const RevisionFile& file) {
    RevisionScript script{file.path, contents.take(file), {}};
    reject_invalid_utf8(file, script.sql);
    script.directives = parse_directives(script.sql, file.path);
    return script;
  };
  const RevisionFile* up = pick_for_dialect(group.ups, dialect);
  const RevisionFile* down = pick_for_dialect(group.downs, dialect);
  Revision revision;
  for (const RevisionFile* file : group.ups) {
    RevisionScript script = load(*file);
    if (util::is_blank(script.sql)) throw ConfigError("revision file " + file->path.string() + " is empty");
    if (file == up) revision.up = std::move(script);
  }
  for (const RevisionFile* file : group.downs) {
    RevisionScript script = load(*file);
    if (file == down) revision.down = std::move(script);
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
  // The checksum is that of the text with LF line ends, so a checkout with CRLF matches.
  const std::string& up_sql = revision.up.sql;
  revision.checksum = up_sql.find('\r') == std::string::npos ? util::sha256_hex(up_sql)
                                                              : util::sha256_hex(util::crlf_to_lf(up_sql));
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
  const std::vector<RevisionFile> files = scan_revision_files(dir);
  std::map<Version, VersionFiles> by_version;
  for (const RevisionFile& file : files) {
    VersionFiles& group = by_version[file.parsed.version];
    switch (file.parsed.role) {
      case FileRole::up: group.ups.push_back(&file); break;
      case FileRole::down: group.downs.push_back(&file); break;
      case FileRole::step: group.steps.push_back(&file); break;
    }
  }

  check_steps_have_files(files, dir, service, steps);
  FileContents contents(files);
  std::vector<Revision> revisions;
  revisions.reserve(by_version.size());
  for (const auto& [version, group] : by_version) {
    std::vector<const RevisionFile*> all = group.ups;
    all.insert(all.end(), group.downs.begin(), group.downs.end());
    all.insert(all.end(), group.steps.begin(), group.steps.end());
    check_one_name(all);
    revisions.push_back(resolve(version, group, dialect, service, steps, contents));
  }
  return revisions;
}

}  // namespace migrate::source
