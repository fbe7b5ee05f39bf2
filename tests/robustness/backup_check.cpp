// Backup-folder checks for the crash harness.
#include "robustness/backup_check.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <string>

#include "migrate/backup/backup_store.hpp"
#include "support/temp_dir.hpp"

namespace migrate::robustness {

namespace fs = std::filesystem;

namespace {

bool hidden(const fs::path& path) { return path.filename().string().rfind('.', 0) == 0; }

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void check_backups(const fs::path& backup_dir, Dialect dialect) {
  std::error_code ec;
  if (!fs::is_directory(backup_dir, ec)) return;
  for (const fs::directory_entry& entry : fs::directory_iterator(backup_dir)) {
    const fs::path& file = entry.path();
    if (hidden(file)) continue;
    if (ends_with(file.string(), ".json")) {
      // A sidecar is written whole after its backup: it names an existing backup.
      INFO("sidecar " << file.string() << " must be whole and belong to a backup");
      CHECK(backup::read_info(fs::path(file.string().substr(0, file.string().size() - 5))).has_value());
      CHECK(fs::exists(file.string().substr(0, file.string().size() - 5)));
      continue;
    }
    INFO("backup " << file.string() << " must be whole");
    if (dialect == Dialect::postgres) {
      REQUIRE(ends_with(file.string(), ".sql"));
      CHECK(test::slurp(file).find("-- PostgreSQL database dump complete") != std::string::npos);
    } else {
      REQUIRE(ends_with(file.string(), ".sqlite3"));
      SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
      CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
    }
  }
}

int leftover_partials(const fs::path& backup_dir) {
  std::error_code ec;
  if (!fs::is_directory(backup_dir, ec)) return 0;
  int count = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(backup_dir)) {
    const std::string name = entry.path().filename().string();
    count += hidden(entry.path()) && ends_with(name, ".partial") ? 1 : 0;
  }
  return count;
}

}  // namespace migrate::robustness
