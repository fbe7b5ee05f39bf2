// Waiting for databases to answer: retry a read-only open, interruptibly.
#include "migrate/orchestrate/wait.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "migrate/config/environment.hpp"
#include "migrate/db/driver.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"

namespace migrate::orchestrate {

namespace {

// A SQLite file answers once its folder exists: a read-only open of a missing file sees an
// empty database, but no run could create the file in a folder that is not there.
void check_sqlite_folder(const config::DatabaseUrl& url) {
  if (url.dialect != Dialect::sqlite) return;
  std::error_code ec;
  const std::filesystem::path folder = url.sqlite_path.parent_path();
  if (!std::filesystem::is_directory(folder, ec)) {
    throw DatabaseUnreachable("the folder " + folder.string() + " of " + url.redacted + " does not exist");
  }
}

void wait_for(const config::DatabaseUrl& url, std::chrono::steady_clock::time_point deadline) {
  bool reported = false;
  for (;;) {
    try {
      check_sqlite_folder(url);
      db::open_driver(url, db::OpenMode::read_only)->history().read("");
      return;
    } catch (const DatabaseUnreachable& e) {
      if (std::chrono::steady_clock::now() >= deadline) throw;
      if (!reported) {
        spdlog::info("waiting for {}: {}", url.redacted, e.what());
        reported = true;
      }
    }
    util::sleep_or_throw_if_interrupted(std::chrono::milliseconds(500));
  }
}

}  // namespace

void wait_for_databases(const config::Manifest& manifest, const std::optional<std::string>& database_url,
                        const std::string& service, std::chrono::milliseconds timeout,
                        const std::function<void(const Answered&)>& answered) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const config::Environment env = config::Environment::from_process(manifest.dir / ".env");
  for (const config::ServiceConfig* selected : manifest.select(service)) {
    const config::DatabaseUrl url = config::resolve_database_url(manifest, *selected, env, database_url);
    wait_for(url, deadline);
    if (answered) answered({selected->name, url.redacted});
  }
}

}  // namespace migrate::orchestrate
