// The `import alembic` verb: write a service's revisions from an Alembic project, the SQL
// rendered by Alembic's own offline mode where it is available.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "migrate/config/manifest.hpp"
#include "migrate/model/dialect.hpp"
#include "migrate/model/revision.hpp"

namespace migrate::orchestrate {

/// One Alembic revision and the files it becomes.
struct AlembicImported {
  std::string id;  ///< Alembic's revision id
  Version version = 0;
  std::string version_text;
  std::string name;
  std::filesystem::path source;  ///< the versions/*.py file
  std::filesystem::path up;      ///< <migrations>/<version>_<name>.up.sql
  std::filesystem::path down;    ///< <migrations>/<version>_<name>.down.sql
  bool rendered = false;         ///< both ways rendered; false: a file refuses to run (see problem)
  bool up_rendered = false;      ///< the .up.sql holds SQL (else it refuses to run)
  bool down_rendered = false;    ///< the .down.sql holds SQL (else it refuses to run)
  std::string problem;           ///< why it was not rendered ("" when it was)
  bool unchanged = false;        ///< both files were already there with these bytes
};

struct AlembicImportRequest {
  std::string service;
  std::filesystem::path folder;              ///< the Alembic folder (holding versions/)
  std::optional<std::filesystem::path> ini;  ///< alembic.ini; default: in the folder or beside it
  bool dry_run = false;
};

struct AlembicImportReport {
  std::string service;
  std::filesystem::path folder;
  std::filesystem::path map_file;  ///< <migrations>/alembic_ids.json
  bool dry_run = false;
  Dialect dialect = Dialect::postgres;     ///< the dialect the SQL was rendered for
  std::string renderer;                    ///< the alembic command used, or "" when none was found
  std::string render_problem;              ///< why offline mode gave nothing ("" when it worked)
  std::vector<AlembicImported> revisions;  ///< in version order
};

/// Reads the project's revision graph (adopt::read_alembic_folder, reusing the mapping
/// file's numbers), renders each revision's up and down SQL for the dialect of `database`
/// (the service's database: PostgreSQL or SQLite) with `alembic upgrade heads --sql` / `downgrade
/// heads:base --sql` when an `alembic` command (or python3 with the alembic module) is on
/// PATH and an alembic.ini is found (BEGIN/COMMIT and statements on alembic_version
/// removed; when that fails, revision by revision and direction by direction); a direction
/// it cannot render gets a file, in that dialect, that raises an error saying why and what
/// to do. Checks every target first: a file already there with other bytes throws
/// UsageError (exit 2) with nothing written, except that a refusing file an earlier import
/// wrote is replaced. Then writes the files and the mapping file atomically; a second run
/// writes nothing. With dry_run nothing is written.
AlembicImportReport import_alembic(const config::Manifest& manifest, const AlembicImportRequest& request,
                                   const config::DatabaseUrl& database);

}  // namespace migrate::orchestrate
