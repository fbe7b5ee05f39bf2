// Builds the robustness workload and writes it as a migrate project.
#include "robustness/workload.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace migrate::robustness {

namespace fs = std::filesystem;

namespace {

const char* const k_service_names[] = {"alpha", "beta", "gamma", "delta"};

std::string four_digits(int version) {
  std::string digits = std::to_string(version);
  if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
  return digits;
}

// Keeps the server (or SQLite's VM) busy for a few tens of milliseconds inside the
// revision's transaction, so that other runners poll while it holds the lock.
std::string slow_statement(Dialect dialect) {
  if (dialect == Dialect::postgres) return "SELECT pg_sleep(0.05);\n";
  return "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)\n"
         "SELECT count(*) FROM n;\n";
}

WorkloadRevision make_revision(Dialect dialect, const std::string& service, int version, bool creates_ledger) {
  WorkloadRevision revision;
  revision.service = service;
  revision.version = version;
  std::string& sql = revision.up_sql;
  if (creates_ledger) {
    sql += "CREATE TABLE ledger (service TEXT NOT NULL, version INTEGER NOT NULL);\n";
    revision.effects.push_back({Effect::Kind::table, "ledger", "", "", 0});
  }
  if (version % 2 == 1) {
    const std::string table = service + "_items_" + std::to_string(version);
    revision.name = "create_" + table;
    sql += "CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, note TEXT NOT NULL);\n";
    sql += "INSERT INTO " + table + " (id, note) VALUES (1, 'made by " + std::to_string(version) + "');\n";
    revision.effects.push_back({Effect::Kind::table, table, "", "", 0});
  } else {
    const std::string table = service + "_items_" + std::to_string(version - 1);
    const std::string column = "extra_" + std::to_string(version);
    revision.name = "add_" + column;
    // Every sixth revision runs outside a transaction, one statement at a time, with a
    // slow statement between its two effects: a kill there leaves it dirty and half done.
    revision.transactional = version % 6 != 0;
    if (!revision.transactional) sql += "-- migrate:no-transaction\n";
    sql += "ALTER TABLE " + table + " ADD COLUMN " + column + " INTEGER NOT NULL DEFAULT " +
           std::to_string(version) + ";\n";
    revision.effects.push_back({Effect::Kind::column, table, column, "", 0});
    if (!revision.transactional) sql += slow_statement(dialect);
  }
  sql += "INSERT INTO ledger (service, version) VALUES ('" + service + "', " + std::to_string(version) + ");\n";
  revision.effects.push_back({Effect::Kind::ledger_row, "ledger", "", service, version});
  if (version % 4 == 0) sql += slow_statement(dialect);
  return revision;
}

void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

std::string Effect::describe() const {
  switch (kind) {
    case Kind::table:
      return "table " + table;
    case Kind::column:
      return "column " + table + "." + column;
    case Kind::ledger_row:
      return "ledger row (" + service + ", " + std::to_string(version) + ")";
  }
  return "?";
}

std::string WorkloadRevision::label() const { return service + " " + four_digits(version) + "_" + name; }

void Workload::write_project(const fs::path& project_dir, const std::string& defaults_toml) const {
  std::string manifest = "[defaults]\n" + defaults_toml + "\n";
  for (std::size_t i = 0; i < services.size(); ++i) {
    manifest += "[services." + services[i] + "]\nmigrations = \"services/" + services[i] + "/migrations\"\n";
    if (i > 0) manifest += "depends_on = [\"" + services[i - 1] + "\"]\n";
    manifest += "\n";
  }
  write_file(project_dir / "migrate.toml", manifest);
  for (const WorkloadRevision& revision : revisions) {
    write_file(project_dir / "services" / revision.service / "migrations" /
                   (four_digits(revision.version) + "_" + revision.name + ".up.sql"),
               revision.up_sql);
  }
}

Workload make_workload(Dialect dialect, int services, int per_service) {
  if (services < 1 || services > static_cast<int>(std::size(k_service_names))) {
    throw std::invalid_argument("make_workload: 1 to 4 services");
  }
  Workload workload;
  workload.dialect = dialect;
  for (int s = 0; s < services; ++s) {
    const std::string service = k_service_names[s];
    workload.services.push_back(service);
    for (int version = 1; version <= per_service; ++version) {
      workload.revisions.push_back(make_revision(dialect, service, version, s == 0 && version == 1));
    }
  }
  return workload;
}

}  // namespace migrate::robustness
