// The environment checks of `transfer preflight`; see preflight.hpp.
#include "migrate/transfer/preflight.hpp"

#include <sys/statvfs.h>

#include <filesystem>

#include "migrate/util/error.hpp"

namespace migrate::transfer {

namespace {

// The copy's footprint in the target relative to the source's bytes: PostgreSQL's tuple
// headers, jsonb's binary form and the indexes rebuilt on load make a table about this
// much larger than SQLite's pages (measured on the benchmark's tables: 1.6-1.9x).
constexpr double k_growth = 2.0;

std::string mib(std::int64_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MiB"; }

PreflightCheck check_privileges(db::DataConnection& target, const Mapping& mapping) {
  PreflightCheck check{"privileges", true, "", ""};
  std::vector<std::string> missing;
  if (target.query("SELECT has_schema_privilege(current_schema(), 'CREATE')")[0][0].text != "t") {
    missing.push_back("CREATE on schema " + target.query("SELECT current_schema()")[0][0].text +
                      " (for the transfer's progress tables)");
  }
  if (target.query("SELECT has_database_privilege(current_database(), 'TEMP')")[0][0].text != "t") {
    missing.push_back("TEMP on the database (staging tables of upserts and validation)");
  }
  std::vector<const TableMapping*> loaded;
  for (const TableMapping& table : mapping.tables) loaded.push_back(&table);
  for (const TableMapping& table : mapping.derived) loaded.push_back(&table);
  for (const TableMapping* each : loaded) {
    const TableMapping& table = *each;
    const std::string name = target.quote(target.quote_name(table.target));
    std::vector<std::string> needs = {"SELECT", "INSERT"};
    if (table.on_conflict == config::OnConflict::update) needs.push_back("UPDATE");
    for (const std::string& privilege : needs) {
      if (target.query("SELECT has_table_privilege(" + name + ", '" + privilege + "')")[0][0].text != "t") {
        missing.push_back(privilege + " on " + table.target);
      }
    }
    // Setting foreign keys aside on an empty table (and adding them back) takes its owner.
    if (target.query("SELECT pg_has_role(c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = pg_catalog.to_regclass(" +
                     name + ")")[0][0].text != "t") {
      missing.push_back("ownership of " + table.target + " (to set its foreign keys aside during the load)");
    }
  }
  if (missing.empty()) {
    check.detail = "the role may do everything the copy does on " + std::to_string(loaded.size()) + " tables";
    return check;
  }
  check.ok = false;
  for (const std::string& each : missing) check.detail += (check.detail.empty() ? "missing " : ", ") + each;
  check.fix = "GRANT them to the target's role, or run the transfer as the tables' owner";
  return check;
}

PreflightCheck check_extension(db::DataConnection& target, const std::string& extension) {
  PreflightCheck check{"extension " + extension, true, "", ""};
  const auto found = target.query(
      "SELECT (SELECT extversion FROM pg_extension WHERE extname = " + target.quote(extension) +
      "), (SELECT default_version FROM pg_available_extensions WHERE name = " + target.quote(extension) +
      "), has_database_privilege(current_database(), 'CREATE'), "
      "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)");
  const db::Row& row = found[0];
  if (row[0].kind != db::CellKind::null) {
    check.detail = "installed (" + row[0].text + ")";
  } else if (row[1].kind == db::CellKind::null) {
    check.ok = false;
    check.detail = "not available on the server";
    check.fix = "install the server package that provides it (postgresql-contrib for " + extension + ")";
  } else if (row[2].text == "t" || row[3].text == "t") {
    check.detail = "available (" + row[1].text + "), not installed; the role can create it";
    check.fix = "CREATE EXTENSION \"" + extension + "\" in a revision of the target service";
  } else {
    check.ok = false;
    check.detail = "available but not installed, and the role may not create it";
    check.fix = "have a superuser run CREATE EXTENSION \"" + extension + "\" in the target database";
  }
  return check;
}

// Free space of the target's data directory, when the server is on this machine and says
// where that is (superusers and pg_read_all_settings may read it).
std::optional<std::int64_t> free_bytes(db::DataConnection& target, std::string& where) {
  std::vector<db::Row> rows;
  try {
    rows = target.query("SELECT current_setting('data_directory', true), inet_server_addr() IS NULL OR "
                        "host(inet_server_addr()) IN ('127.0.0.1', '::1')");
  } catch (const RevisionFailed&) {
    return std::nullopt;
  }
  if (rows.empty() || rows[0][0].kind == db::CellKind::null || rows[0][1].text != "t") return std::nullopt;
  const std::string directory = rows[0][0].text;
  struct statvfs stats {};
  if (::statvfs(directory.c_str(), &stats) != 0) return std::nullopt;
  where = directory;
  return static_cast<std::int64_t>(stats.f_bavail) * static_cast<std::int64_t>(stats.f_frsize);
}

}  // namespace

std::int64_t source_bytes(db::DataConnection& source, const Mapping& mapping) {
  if (source.dialect() == Dialect::sqlite) {
    const auto rows = source.query("SELECT (SELECT page_count FROM pragma_page_count()) - "
                                   "(SELECT freelist_count FROM pragma_freelist_count()), "
                                   "(SELECT page_size FROM pragma_page_size())");
    return std::stoll(rows[0][0].text) * std::stoll(rows[0][1].text);
  }
  std::int64_t total = 0;
  for (const TableMapping& table : mapping.tables) {
    total += std::stoll(source.query("SELECT pg_total_relation_size(pg_catalog.to_regclass(" +
                                     source.quote(source.quote_name(table.source)) + "))")[0][0].text);
  }
  return total;
}

std::vector<PreflightCheck> preflight(db::DataConnection& source, db::DataConnection& target,
                                      const Mapping& mapping, const PreflightOptions& options) {
  std::vector<PreflightCheck> checks;
  std::int64_t rows = 0;
  for (const TableMapping& table : mapping.tables) {
    rows += std::stoll(source.query("SELECT count(*) FROM " + source.quote_name(table.source))[0][0].text);
  }
  checks.push_back({"source", true,
                    "readable: " + std::to_string(mapping.tables.size()) + " tables, " + std::to_string(rows) + " rows",
                    ""});
  if (source.dialect() == Dialect::sqlite) {
    if (options.integrity) {
      const auto result = source.query("PRAGMA integrity_check");
      const bool intact = result.size() == 1 && result[0][0].text == "ok";
      checks.push_back({"source integrity", intact, intact ? "PRAGMA integrity_check: ok" : result[0][0].text,
                        intact ? "" : "repair or re-export the SQLite file (sqlite3 old.db .recover) before copying"});
    } else {
      checks.push_back({"source integrity", std::nullopt, "not checked (--integrity reads the whole file)", ""});
    }
  }
  checks.push_back({"target", true, "answers: " + target.query("SELECT version()")[0][0].text.substr(0, 40), ""});
  for (const std::string& extension : options.extensions) checks.push_back(check_extension(target, extension));
  checks.push_back(check_privileges(target, mapping));

  const std::int64_t needed = static_cast<std::int64_t>(static_cast<double>(source_bytes(source, mapping)) * k_growth);
  std::string where;
  const std::optional<std::int64_t> free = free_bytes(target, where);
  if (!free) {
    checks.push_back({"space", std::nullopt,
                      "the copy needs about " + mib(needed) + "; the target's free space cannot be known from here "
                      "(a remote server, or a role that may not read data_directory)",
                      ""});
  } else {
    const bool enough = *free > needed;
    checks.push_back({"space", enough, "needs about " + mib(needed) + ", " + mib(*free) + " free in " + where,
                      enough ? "" : "free space on the server's disk, or move the data directory"});
  }
  return checks;
}

}  // namespace migrate::transfer
