// import alembic: read the revision graph, render each revision's SQL with Alembic's offline
// mode when it can, check every target, then write the files and the id mapping.
#include "migrate/orchestrate/alembic_import.hpp"

#include <functional>
#include <map>
#include <optional>
#include <system_error>
#include <tuple>

#include "migrate/adopt/alembic_folder.hpp"
#include "migrate/util/child_process.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"

namespace migrate::orchestrate {

namespace fs = std::filesystem;

namespace {

// Offline mode connects nowhere, but needs a URL of the service's dialect. SQLite's is an
// in-memory database: an env.py that builds an engine anyway creates no file.
constexpr const char* k_offline_url_postgres = "postgresql://alembic-offline/render";
constexpr const char* k_offline_url_sqlite = "sqlite://";
// What util::run_process keeps of a child's output; offline SQL that long may be cut.
constexpr std::size_t k_max_rendered = 64 * 1024;
// How much of a failure's reason a refusing file quotes.
constexpr std::size_t k_max_reason = 400;

const char* offline_url(Dialect dialect) {
  return dialect == Dialect::sqlite ? k_offline_url_sqlite : k_offline_url_postgres;
}

// A revision's SQL each way; a direction offline mode could not render is nullopt, and
// problem says why.
struct Rendered {
  std::optional<std::string> up;
  std::optional<std::string> down;
  std::string problem;
};

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The command that runs Alembic: `alembic` on PATH, else python3 on PATH with the module.
std::vector<std::string> alembic_command() {
  if (const auto alembic = util::find_executable("alembic")) return {alembic->string()};
  if (const auto python = util::find_executable("python3")) {
    if (util::run_process({python->string(), "-c", "import alembic"}).ok()) return {python->string(), "-m", "alembic"};
  }
  return {};
}

std::optional<fs::path> find_ini(const AlembicImportRequest& request) {
  if (request.ini) {
    std::error_code ec;
    if (!fs::is_regular_file(*request.ini, ec)) {
      throw UsageError("--ini " + request.ini->string() + " is not a file; give the project's alembic.ini");
    }
    return fs::absolute(*request.ini);
  }
  for (const fs::path& candidate : {request.folder / "alembic.ini", request.folder.parent_path() / "alembic.ini",
                                    fs::absolute(request.folder).parent_path() / "alembic.ini"}) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return fs::absolute(candidate);
  }
  return std::nullopt;
}

// Whether sql is one of the statements Alembic writes on its own table (a data migration
// that merely mentions the name in a string is kept).
bool on_alembic_version(const std::string& sql) {
  for (const char* prefix : {"CREATE TABLE alembic_version", "INSERT INTO alembic_version", "UPDATE alembic_version",
                             "DELETE FROM alembic_version", "DROP TABLE alembic_version"}) {
    if (sql.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// Splits offline output into per-revision bodies: each block starts with
// `-- Running upgrade a, b -> c` (the body of c) or `-- Running downgrade c -> a, b` (of c).
// Transaction lines and statements on alembic_version are dropped; statements end with
// `;` at a line end followed by a blank line, as Alembic writes them.
std::map<std::string, std::string> split_blocks(const std::string& output, bool upgrade) {
  std::map<std::string, std::string> blocks;
  const std::string marker = upgrade ? "-- Running upgrade " : "-- Running downgrade ";
  std::string* current = nullptr;
  std::string statement;
  auto flush = [&] {
    const std::string sql = trim(statement);
    statement.clear();
    if (current == nullptr || sql.empty() || sql == "BEGIN;" || sql == "COMMIT;") return;
    if (on_alembic_version(sql)) return;
    *current += sql + "\n\n";
  };
  std::size_t start = 0;
  while (start < output.size()) {
    auto end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(start, end - start);
    start = end + 1;
    if (line.rfind(marker, 0) == 0) {
      flush();
      const auto arrow = line.find(" -> ");
      const std::string id =
          upgrade ? trim(line.substr(arrow + 4)) : trim(line.substr(marker.size(), arrow - marker.size()));
      current = &blocks[id];
      continue;
    }
    if (trim(line).empty()) {
      if (!trim(statement).empty() && trim(statement).back() == ';')
        flush();
      else if (!statement.empty())
        statement += "\n";
      continue;
    }
    statement += line + "\n";
  }
  flush();
  return blocks;
}

// The last line of text ("" when it has none).
std::string last_line(const std::string& text) {
  const std::string trimmed = trim(text);
  const auto at = trimmed.rfind('\n');
  return at == std::string::npos ? trimmed : trim(trimmed.substr(at + 1));
}

// Why a run of offline mode gave nothing usable: alembic's `FAILED: …` line (on stdout in
// --sql mode, where the SQL goes too), else stderr's last line (a Python traceback's).
std::string failure(const util::ProcessResult& failed, const std::string& of = "") {
  if (failed.ok()) return "alembic's offline SQL" + of + " is longer than migrate reads (64 KiB)";
  std::string why = last_line(failed.stdout_text);
  if (why.rfind("FAILED:", 0) != 0) why = last_line(failed.stderr_text);
  return "alembic's offline mode failed" + of + " (exit " + std::to_string(failed.exit_code) + "): " + why;
}

bool usable(const util::ProcessResult& result) { return result.ok() && result.stdout_text.size() < k_max_rendered; }

// Runs Alembic's offline mode once each way over the whole graph; when that fails (one
// revision's code needs a live database, or SQLite's batch mode would reflect a table), once
// per revision and direction, so that only what offline mode cannot render is left out.
// problem says why something was left out.
std::map<std::string, Rendered> render(const std::vector<std::string>& command, const fs::path& ini, Dialect dialect,
                                       const std::vector<adopt::AlembicRevision>& revisions, std::string& problem) {
  std::map<std::string, Rendered> rendered;
  const std::string url = offline_url(dialect);
  auto run = [&](const std::vector<std::string>& args) {
    // `env -C`: Alembic resolves script_location against the working folder.
    std::vector<std::string> argv{"/usr/bin/env", "-C", ini.parent_path().string()};
    argv.insert(argv.end(), command.begin(), command.end());
    argv.insert(argv.end(), {"-c", ini.string(), "-x", "url=" + url});
    argv.insert(argv.end(), args.begin(), args.end());
    return util::run_process(argv, {{"DATABASE_URL", url}});
  };
  try {
    const util::ProcessResult up = run({"upgrade", "heads", "--sql"});
    const util::ProcessResult down = run({"downgrade", "heads:base", "--sql"});
    if (usable(up) && usable(down)) {
      for (auto& [id, sql] : split_blocks(up.stdout_text, true)) rendered[id].up = sql;
      for (auto& [id, sql] : split_blocks(down.stdout_text, false)) rendered[id].down = sql;
      return rendered;
    }
    problem = usable(up) ? failure(down, " for the downgrade") : failure(up);
    for (const adopt::AlembicRevision& revision : revisions) {
      // From one parent: a merge's other branch renders too, but only this block is kept.
      const std::string parent = revision.down_revisions.empty() ? "base" : revision.down_revisions.front();
      Rendered& out = rendered[revision.id];
      const util::ProcessResult one_up =
          run({"upgrade", revision.down_revisions.empty() ? revision.id : parent + ":" + revision.id, "--sql"});
      if (usable(one_up)) {
        auto ups = split_blocks(one_up.stdout_text, true);
        if (ups.count(revision.id) != 0) out.up = ups[revision.id];
      } else {
        out.problem = failure(one_up);
      }
      const util::ProcessResult one_down = run({"downgrade", revision.id + ":" + parent, "--sql"});
      if (usable(one_down)) {
        auto downs = split_blocks(one_down.stdout_text, false);
        if (downs.count(revision.id) != 0) out.down = downs[revision.id];
      } else if (out.problem.empty()) {
        out.problem = failure(one_down, " for the downgrade");
      }
      if ((!out.up || !out.down) && out.problem.empty()) out.problem = "alembic's offline output has no block for it";
    }
  } catch (const std::runtime_error& e) {
    problem = e.what();
  }
  return rendered;
}

std::string header(const adopt::AlembicRevision& revision, const char* direction) {
  return "-- Alembic revision '" + revision.id + "' (" + revision.file.filename().string() + "), " + direction +
         ", imported by `migrate import alembic`.\n";
}

std::string rendered_file(const adopt::AlembicRevision& revision, const char* direction, const std::string& sql) {
  std::string text = header(revision, direction) + "-- Rendered by Alembic's offline mode (--sql).\n";
  if (sql.empty()) return text + "-- Alembic's offline mode gives no SQL for it.\n";
  return text + "\n" + sql;
}

constexpr const char* k_not_rendered_marker = "-- NOT RENDERED: ";

std::string sql_string(std::string text) {
  for (std::size_t at = text.find('\''); at != std::string::npos; at = text.find('\'', at + 2))
    text.insert(at, 1, '\'');
  return "'" + text + "'";
}

std::string one_line(std::string text) {
  for (char& c : text) c = (c == '\n' || c == '\r') ? ' ' : c;
  if (text.size() > k_max_reason) text = text.substr(0, k_max_reason) + "...";
  return text;
}

// A file that refuses to run, in the service's dialect: never a silent empty one. SQLite
// has no statement that raises outside a trigger, so a temporary trigger raises it; the
// revision's transaction takes the temporary table away again.
std::string refusing_file(const adopt::AlembicRevision& revision, const char* direction, const std::string& service,
                          Dialect dialect, const std::string& why) {
  const std::string reason = one_line(why);
  const std::string message = "this revision came from Alembic (" + revision.id +
                              ") and could not be rendered offline" + (reason.empty() ? "" : " (" + reason + ")") +
                              ": apply it with alembic, then migrate adopt " + service +
                              " --from alembic, or replace this file with its SQL";
  std::string text = header(revision, direction) + k_not_rendered_marker +
                     "Alembic's offline mode was not available or failed for it.\n";
  if (dialect == Dialect::sqlite) {
    return text +
           "CREATE TEMP TABLE migrate_not_rendered (id INTEGER);\n"
           "CREATE TEMP TRIGGER migrate_not_rendered_raises BEFORE INSERT ON migrate_not_rendered\n"
           "BEGIN SELECT RAISE(ABORT, " +
           sql_string(message) + "); END;\nINSERT INTO migrate_not_rendered VALUES (1);\n";
  }
  std::string quoted = sql_string(message);
  for (auto at = quoted.find("$$"); at != std::string::npos; at = quoted.find("$$")) quoted.replace(at, 2, "$ $");
  return text + "DO $$ BEGIN RAISE EXCEPTION " + quoted + "; END $$;\n";
}

// Whether existing is a refusing file an import wrote for this revision and direction
// (whatever the reason it gave, and in either dialect).
bool is_refusing_file(const std::string& existing, const adopt::AlembicRevision& revision, const char* direction) {
  const std::string start = header(revision, direction) + k_not_rendered_marker;
  return existing.compare(0, start.size(), start) == 0;
}

// Whether path may receive bytes: absent, the same, or (replaceable) a refusing file an
// earlier import wrote.
bool same_or_absent(const fs::path& path, const std::string& bytes, bool& same,
                    const std::function<bool(const std::string&)>& replaceable = {}) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;
  std::string existing;
  try {
    existing = util::read_file(path);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  same = existing == bytes;
  return same || (replaceable && replaceable(existing));
}

}  // namespace

AlembicImportReport import_alembic(const config::Manifest& manifest, const AlembicImportRequest& request,
                                   const config::DatabaseUrl& database) {
  const Dialect dialect = database.dialect;
  const config::ServiceConfig& service = manifest.service(request.service);
  AlembicImportReport report;
  report.service = service.name;
  report.folder = request.folder;
  report.dry_run = request.dry_run;
  report.dialect = dialect;
  report.map_file = service.migrations_dir / adopt::k_alembic_map_file;
  const adopt::AlembicMap known = adopt::read_alembic_map(report.map_file);
  const std::vector<adopt::AlembicRevision> revisions = adopt::read_alembic_folder(request.folder, known);

  std::map<std::string, Rendered> rendered;
  const std::vector<std::string> command = alembic_command();
  const std::optional<fs::path> ini = find_ini(request);
  if (command.empty()) {
    report.render_problem = "no `alembic` command (nor python3 with the alembic module) on PATH";
  } else if (!ini) {
    report.render_problem = "no alembic.ini in or beside " + request.folder.string() + " (give --ini)";
  } else {
    for (const std::string& part : command) report.renderer += (report.renderer.empty() ? "" : " ") + part;
    rendered = render(command, *ini, dialect, revisions, report.render_problem);
  }

  std::vector<std::pair<fs::path, std::string>> writes;
  for (const adopt::AlembicRevision& revision : revisions) {
    AlembicImported out;
    out.id = revision.id;
    out.version = revision.version;
    out.version_text = revision.version_text;
    out.name = revision.name;
    out.source = revision.file;
    out.up = service.migrations_dir / (revision.stem() + ".up.sql");
    out.down = service.migrations_dir / (revision.stem() + ".down.sql");
    const auto body = rendered.find(revision.id);
    const Rendered none{std::nullopt, std::nullopt, report.render_problem};
    const Rendered& sql = body != rendered.end() ? body->second : none;
    out.up_rendered = sql.up.has_value();
    out.down_rendered = sql.down.has_value();
    out.rendered = out.up_rendered && out.down_rendered;
    if (!out.rendered) out.problem = !sql.problem.empty() ? sql.problem : report.render_problem;
    if (!out.rendered && out.problem.empty()) out.problem = "alembic's offline output has no block for it";
    const std::string up = sql.up ? rendered_file(revision, "upgrade", *sql.up)
                                  : refusing_file(revision, "upgrade", service.name, dialect, out.problem);
    const std::string down = sql.down ? rendered_file(revision, "downgrade", *sql.down)
                                      : refusing_file(revision, "downgrade", service.name, dialect, out.problem);
    bool up_same = false;
    bool down_same = false;
    for (const auto& [path, bytes, same, direction] :
         {std::tuple{out.up, up, &up_same, "upgrade"}, std::tuple{out.down, down, &down_same, "downgrade"}}) {
      const auto replaceable = [&revision, direction = direction](const std::string& existing) {
        return is_refusing_file(existing, revision, direction);
      };
      if (!same_or_absent(path, bytes, *same, replaceable)) {
        throw UsageError("cannot import Alembic revision '" + revision.id + "': " + path.string() +
                         " already holds other SQL; move it away to import again, nothing was written");
      }
      if (!*same) writes.emplace_back(path, bytes);
    }
    out.unchanged = up_same && down_same;
    report.revisions.push_back(std::move(out));
  }
  const std::string map_text = adopt::alembic_map_text(adopt::alembic_map_of(revisions));
  bool map_same = false;
  same_or_absent(report.map_file, map_text, map_same);
  if (!map_same) writes.emplace_back(report.map_file, map_text);
  if (request.dry_run || writes.empty()) return report;

  std::error_code ec;
  fs::create_directories(service.migrations_dir, ec);
  if (ec) throw UsageError("cannot create " + service.migrations_dir.string() + ": " + ec.message());
  std::size_t done = 0;
  try {
    for (const auto& [path, bytes] : writes) {
      util::write_file_atomically(path, bytes);
      ++done;
    }
  } catch (const std::runtime_error& e) {
    // New files go again; a refusing file replaced by its SQL and the mapping (written
    // last) are not restored: both are safe to leave.
    for (std::size_t i = 0; i < done; ++i) fs::remove(writes[i].first, ec);
    throw UsageError(std::string(e.what()) + "; nothing was imported");
  }
  return report;
}

}  // namespace migrate::orchestrate
