// Reads a drizzle-kit out folder (meta/_journal.json or the beta one-folder-per-migration
// layout) into values, refusing anything that would not import faithfully.
#include "migrate/adopt/drizzle_folder.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <system_error>

#include "migrate/source/revision_file_name.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"

namespace migrate::adopt {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_timestamp_digits = 14;
constexpr std::size_t k_unix_digits = 10;
constexpr const char* k_beta_file = "migration.sql";

struct JournalEntry {
  std::string tag;
  std::int64_t idx = 0;
  std::int64_t when = 0;
  bool breakpoints = false;
};

struct Journal {
  std::string dialect;
  std::vector<JournalEntry> entries;
};

std::size_t leading_digits(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  return digits;
}

// The beta layout's folder names: <14 digits>_<name>.
bool is_beta_folder_name(const std::string& name) {
  return leading_digits(name) == k_timestamp_digits && name.size() > k_timestamp_digits + 1 &&
         name[k_timestamp_digits] == '_';
}

std::string read_bytes(const fs::path& file) {
  try {
    return util::read_file(file);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

[[noreturn]] void bad_journal(const fs::path& file, const std::string& why) {
  throw UsageError("cannot read the drizzle-kit journal " + file.string() + ": " + why +
                   "; point at drizzle-kit's `out` folder (the one holding meta/_journal.json)");
}

std::int64_t integer_field(const nlohmann::json& entry, const char* key, std::size_t position, const fs::path& file) {
  const auto it = entry.find(key);
  if (it == entry.end()) return 0;
  if (!it->is_number_integer()) {
    bad_journal(file, "entry " + std::to_string(position) + ": \"" + key + "\" is not an integer");
  }
  return it->get<std::int64_t>();
}

Journal parse_journal(const fs::path& file) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(read_bytes(file));
  } catch (const nlohmann::json::exception& e) {
    bad_journal(file, std::string("not JSON (") + e.what() + ")");
  }
  if (!document.is_object() || !document.contains("entries") || !document["entries"].is_array()) {
    bad_journal(file, "it has no \"entries\" array");
  }
  Journal journal;
  if (document.contains("dialect") && document["dialect"].is_string()) {
    journal.dialect = document["dialect"].get<std::string>();
  }
  std::size_t position = 0;
  for (const nlohmann::json& item : document["entries"]) {
    if (!item.is_object() || !item.contains("tag") || !item["tag"].is_string()) {
      bad_journal(file, "entry " + std::to_string(position) + " has no \"tag\" string");
    }
    JournalEntry entry;
    entry.tag = item["tag"].get<std::string>();
    entry.idx = integer_field(item, "idx", position, file);
    entry.when = integer_field(item, "when", position, file);
    if (item.contains("breakpoints")) {
      if (!item["breakpoints"].is_boolean()) {
        bad_journal(file, "entry " + std::to_string(position) + ": \"breakpoints\" is not true or false");
      }
      entry.breakpoints = item["breakpoints"].get<bool>();
    }
    journal.entries.push_back(std::move(entry));
    ++position;
  }
  return journal;
}

DrizzlePrefix prefix_of(std::size_t digits) {
  if (digits == k_timestamp_digits) return DrizzlePrefix::timestamp;
  if (digits == k_unix_digits) return DrizzlePrefix::unix_seconds;
  return DrizzlePrefix::index;
}

// The migration a tag and its file give, or UsageError when the tag is no revision name.
// The tag is checked before its file is opened, so a tag never reaches the file system
// unless it is a plain `<digits>_<name>`.
DrizzleMigration make_migration(const std::string& tag, const std::string& where) {
  const std::string file_name = tag + ".up.sql";
  const std::optional<source::RevisionFileName> parsed = source::parse_revision_file_name(file_name);
  if (!parsed || parsed->role != source::FileRole::up || parsed->variant ||
      source::revision_stem(file_name, *parsed) != tag) {
    throw UsageError(where + ": the tag '" + tag +
                     "' does not give a revision name: it must be <version>_<name> with a version of 1-18 digits "
                     "and a name of [A-Za-z0-9][A-Za-z0-9_.-]* (drizzle-kit's prefix setting \"none\" gives no "
                     "version); rename the migration in drizzle-kit, nothing was written");
  }
  DrizzleMigration migration;
  migration.tag = tag;
  migration.version = parsed->version;
  migration.version_text = tag.substr(0, leading_digits(tag));
  migration.name = parsed->name;
  migration.prefix = prefix_of(migration.version_text.size());
  return migration;
}

void load_bytes(DrizzleMigration& migration, const std::string& where) {
  std::error_code ec;
  if (!fs::is_regular_file(migration.file, ec)) {
    throw UsageError(where + " lists '" + migration.tag + "', but " + migration.file.string() +
                     " is missing; restore it (or remove the entry with drizzle-kit drop), nothing was written");
  }
  migration.bytes = read_bytes(migration.file);
  if (migration.bytes.find('\0') != std::string::npos) {
    throw UsageError(migration.file.string() +
                     " holds a NUL byte, which no SQL revision may hold; nothing was written");
  }
}

// Every version once, ascending in the order given: migrate applies revisions by version,
// so a journal whose order differs would be applied in another order than drizzle's.
void check_versions(const std::vector<DrizzleMigration>& migrations, const std::string& where) {
  std::map<Version, const DrizzleMigration*> seen;
  const DrizzleMigration* previous = nullptr;
  for (const DrizzleMigration& migration : migrations) {
    const auto [it, inserted] = seen.emplace(migration.version, &migration);
    if (!inserted) {
      throw UsageError(where + ": '" + it->second->tag + "' and '" + migration.tag + "' give the same version " +
                       std::to_string(migration.version) +
                       "; versions must be unique within a service, nothing was written");
    }
    if (previous != nullptr && migration.version < previous->version) {
      throw UsageError(where + ": '" + migration.tag + "' comes after '" + previous->tag +
                       "' but has a lower version; migrate applies revisions in ascending version order, so this "
                       "folder (a prefix setting changed midway?) cannot be imported as it is, nothing was written");
    }
    previous = &migration;
  }
}

std::vector<fs::path> sorted_entries(const fs::path& dir) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
  if (ec) throw UsageError("cannot list " + dir.string() + ": " + ec.message());
  std::sort(entries.begin(), entries.end());
  return entries;
}

bool is_sql_file(const fs::path& path) {
  std::error_code ec;
  return path.extension() == ".sql" && fs::is_regular_file(path, ec);
}

DrizzleFolder read_journal_layout(const fs::path& root, const fs::path& journal_file) {
  const Journal journal = parse_journal(journal_file);
  const std::string where = journal_file.string();
  DrizzleFolder folder;
  folder.root = root;
  folder.layout = DrizzleLayout::journal;
  folder.dialect = journal.dialect;
  std::set<std::string> listed;
  for (const JournalEntry& entry : journal.entries) {
    DrizzleMigration migration = make_migration(entry.tag, where);
    migration.idx = entry.idx;
    migration.when = entry.when;
    migration.breakpoints = entry.breakpoints;
    migration.file = root / (entry.tag + ".sql");
    listed.insert(entry.tag + ".sql");
    folder.migrations.push_back(std::move(migration));
  }
  check_versions(folder.migrations, where);
  for (DrizzleMigration& migration : folder.migrations) load_bytes(migration, where);
  for (const fs::path& path : sorted_entries(root)) {
    std::error_code ec;
    if (is_sql_file(path) && listed.count(path.filename().string()) == 0) folder.unlisted.push_back(path);
    // A beta-style folder beside a journal is not what drizzle-kit's migrator reads either.
    if (fs::is_directory(path, ec) && is_sql_file(path / k_beta_file)) folder.unlisted.push_back(path / k_beta_file);
  }
  return folder;
}

DrizzleFolder read_folders_layout(const fs::path& root, const std::vector<fs::path>& beta_folders) {
  const std::string where = root.string() + " (one folder per migration)";
  DrizzleFolder folder;
  folder.root = root;
  folder.layout = DrizzleLayout::folders;
  std::int64_t position = 0;
  for (const fs::path& dir : beta_folders) {
    DrizzleMigration migration = make_migration(dir.filename().string(), where);
    migration.idx = position++;
    migration.breakpoints = true;
    migration.file = dir / k_beta_file;
    folder.migrations.push_back(std::move(migration));
  }
  check_versions(folder.migrations, where);
  for (DrizzleMigration& migration : folder.migrations) load_bytes(migration, where);
  for (const fs::path& path : sorted_entries(root)) {
    if (is_sql_file(path)) folder.unlisted.push_back(path);
  }
  return folder;
}

// The dialect drizzle-kit's journal names, as migrate calls it; nullopt for one migrate
// does not run (mysql, singlestore, gel …).
std::optional<Dialect> dialect_of_journal(const std::string& dialect) {
  if (dialect == "postgresql" || dialect == "pg") return Dialect::postgres;
  if (dialect == "sqlite" || dialect == "turso") return Dialect::sqlite;
  return std::nullopt;
}

const char* dialect_name(Dialect dialect) { return dialect == Dialect::sqlite ? "SQLite" : "PostgreSQL"; }

}  // namespace

void check_drizzle_dialect(const DrizzleFolder& folder, Dialect dialect, const std::string& database) {
  if (folder.dialect.empty()) return;
  const std::optional<Dialect> wrote = dialect_of_journal(folder.dialect);
  if (wrote == dialect) return;
  const fs::path journal = folder.root / "meta" / "_journal.json";
  const std::string what =
      "drizzle-kit wrote the migrations of " + journal.string() + " for dialect \"" + folder.dialect + "\"";
  if (!wrote) {
    throw UsageError(what + ", which migrate does not run (it runs PostgreSQL and SQLite); " + database + " is " +
                     dialect_name(dialect) + "; nothing was written");
  }
  throw UsageError(what + " (" + dialect_name(*wrote) + "), but " + database + " is " + dialect_name(dialect) +
                   "; point the service at a " + dialect_name(*wrote) +
                   " database (its database_url_env, DATABASE_URL or --database-url), or generate the migrations "
                   "with drizzle-kit's dialect \"" +
                   (dialect == Dialect::sqlite ? "sqlite" : "postgresql") + "\"; nothing was written");
}

const char* to_string(DrizzleLayout layout) noexcept {
  return layout == DrizzleLayout::journal ? "journal" : "folders";
}

const char* to_string(DrizzlePrefix prefix) noexcept {
  switch (prefix) {
    case DrizzlePrefix::index: return "index";
    case DrizzlePrefix::timestamp: return "timestamp";
    case DrizzlePrefix::unix_seconds: return "unix";
  }
  return "index";
}

std::string DrizzleMigration::revision_file_name() const { return version_text + "_" + name + ".up.sql"; }

DrizzleFolder read_drizzle_folder(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw UsageError("the drizzle-kit folder " + root.string() +
                     " does not exist or is not a folder; give drizzle-kit's `out` folder");
  }
  const fs::path journal_file = root / "meta" / "_journal.json";
  if (fs::exists(journal_file, ec)) return read_journal_layout(root, journal_file);

  std::vector<fs::path> beta_folders;
  for (const fs::path& path : sorted_entries(root)) {
    if (fs::is_directory(path, ec) && is_beta_folder_name(path.filename().string())) beta_folders.push_back(path);
  }
  if (beta_folders.empty()) {
    throw UsageError("no drizzle-kit journal in " + root.string() + ": " + journal_file.string() +
                     " is missing and there is no <14 digits>_<name>/migration.sql folder; give drizzle-kit's "
                     "`out` folder, nothing was written");
  }
  return read_folders_layout(root, beta_folders);
}

}  // namespace migrate::adopt
