// Reading the history tables of drizzle, goose, Flyway, golang-migrate, dbmate and Alembic through a driver's session.
#include "migrate/adopt/foreign_history.hpp"

#include <array>
#include <utility>

#include "migrate/step/step.hpp"

namespace migrate::adopt {

namespace {

constexpr std::array<std::pair<Tool, std::string_view>, 6> k_tools{{{Tool::drizzle, "drizzle"},
                                                                   {Tool::goose, "goose"},
                                                                   {Tool::flyway, "flyway"},
                                                                   {Tool::golang_migrate, "golang-migrate"},
                                                                   {Tool::dbmate, "dbmate"},
                                                                   {Tool::alembic, "alembic"}}};

// "1f2e3d4c5b6a…": enough of a hash to recognise it.
std::string short_hash(const std::string& hash) { return hash.size() > 12 ? hash.substr(0, 12) + "…" : hash; }

// A version as the tools write it ("3", "0003", "20240501120000"); nullopt for anything
// else ("1.1", "").
std::optional<Version> as_version(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return static_cast<Version>(std::stoull(text));
}

// Points history at the first of tables that exists (found), or names the first of them
// (not found, for the message). Returns history.found.
bool find_table(step::Session& session, ForeignHistory& history, std::initializer_list<const char*> tables) {
  history.table = *tables.begin();
  for (const char* table : tables) {
    if (session.table_exists(table)) {
      history.table = table;
      history.found = true;
      break;
    }
  }
  return history.found;
}

void read_drizzle(step::Session& session, ForeignHistory& history) {
  const bool postgres = session.dialect() == Dialect::postgres;
  // drizzle-orm keeps it in the schema "drizzle" on PostgreSQL (in public before 0.27).
  const bool found = postgres
                         ? find_table(session, history, {"drizzle.__drizzle_migrations", "public.__drizzle_migrations"})
                         : find_table(session, history, {"__drizzle_migrations"});
  if (!found) return;
  // SQLite's ids are NULL (its SERIAL is no autoincrement): the insertion order is rowid's.
  const std::string order = postgres ? "created_at, id" : "created_at, rowid";
  for (const step::Row& row :
       session.query("SELECT hash, CAST(created_at AS bigint) FROM " + history.table + " ORDER BY " + order)) {
    ForeignRow foreign;
    foreign.hash = row.text(0);
    foreign.created_at = row.optional_integer(1);
    foreign.label = "hash " + short_hash(foreign.hash);
    history.rows.push_back(std::move(foreign));
  }
}

void read_goose(step::Session& session, ForeignHistory& history) {
  if (!find_table(session, history, {"goose_db_version"})) return;
  const std::string at = session.dialect() == Dialect::postgres
                             ? "to_char(tstamp AT TIME ZONE 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                             : "strftime('%Y-%m-%dT%H:%M:%SZ', tstamp)";
  for (const step::Row& row : session.query("SELECT version_id, is_applied, " + at + " FROM goose_db_version ORDER BY id")) {
    ForeignRow foreign;
    foreign.version = static_cast<Version>(row.integer(0));
    const std::string applied = row.text(1);
    foreign.applied = applied == "t" || applied == "1" || applied == "true";
    foreign.applied_at = row.optional_text(2).value_or("");
    foreign.label = "version " + std::to_string(*foreign.version);
    history.rows.push_back(std::move(foreign));
  }
}

void read_flyway(step::Session& session, ForeignHistory& history) {
  if (!find_table(session, history, {"flyway_schema_history"})) return;
  const bool postgres = session.dialect() == Dialect::postgres;
  const std::string at = postgres ? "to_char(installed_on AT TIME ZONE 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                                  : "strftime('%Y-%m-%dT%H:%M:%SZ', installed_on)";
  for (const step::Row& row : session.query("SELECT version, type, success, " + at +
                                            " FROM flyway_schema_history ORDER BY installed_rank")) {
    ForeignRow foreign;
    const std::optional<std::string> version = row.optional_text(0);
    if (!version) continue;  // repeatable migrations (R__) carry no version
    foreign.label = "version " + *version;
    foreign.version = as_version(*version);
    if (!foreign.version) {
      foreign.problem = "Flyway version '" + *version + "' is not a whole number, which a revision file needs";
    }
    foreign.baseline = row.text(1) == "BASELINE";
    const std::string success = row.text(2);
    foreign.applied = success == "t" || success == "1" || success == "true";
    foreign.applied_at = row.optional_text(3).value_or("");
    history.rows.push_back(std::move(foreign));
  }
}

// golang-migrate keeps one row: the version everything up to which is applied.
void read_golang_migrate(step::Session& session, ForeignHistory& history) {
  if (!find_table(session, history, {"schema_migrations"})) return;
  for (const step::Row& row : session.query("SELECT version, dirty FROM schema_migrations")) {
    ForeignRow foreign;
    foreign.version = static_cast<Version>(row.integer(0));
    foreign.label = "version " + std::to_string(*foreign.version);
    foreign.baseline = true;
    const std::string dirty = row.text(1);
    if (dirty == "t" || dirty == "1" || dirty == "true") {
      foreign.problem = "golang-migrate left it dirty (a failed migration): fix the database, clear the flag with "
                        "golang-migrate's `force`, then adopt";
    }
    history.rows.push_back(std::move(foreign));
  }
}

// dbmate keeps a row per applied version (text: its timestamps or numbers).
void read_dbmate(step::Session& session, ForeignHistory& history) {
  if (!find_table(session, history, {"schema_migrations"})) return;
  for (const step::Row& row : session.query("SELECT version FROM schema_migrations ORDER BY version")) {
    ForeignRow foreign;
    const std::string version = row.text(0);
    foreign.label = "version " + version;
    foreign.version = as_version(version);
    if (!foreign.version) foreign.problem = "dbmate version '" + version + "' is not a whole number";
    history.rows.push_back(std::move(foreign));
  }
}

// Alembic keeps one row per head: the ids whose ancestors are all applied.
void read_alembic(step::Session& session, ForeignHistory& history) {
  if (!find_table(session, history, {"alembic_version"})) return;
  for (const step::Row& row : session.query("SELECT version_num FROM alembic_version ORDER BY version_num")) {
    ForeignRow foreign;
    foreign.id = row.text(0);
    foreign.label = "alembic revision " + foreign.id;
    history.rows.push_back(std::move(foreign));
  }
}

}  // namespace

std::string_view tool_name(Tool tool) {
  for (const auto& [known, name] : k_tools) {
    if (known == tool) return name;
  }
  return "?";
}

std::optional<Tool> parse_tool(std::string_view name) {
  for (const auto& [tool, known] : k_tools) {
    if (known == name) return tool;
  }
  return std::nullopt;
}

std::string tool_names() {
  std::string names;
  for (const auto& [tool, name] : k_tools) names += (names.empty() ? "" : ", ") + std::string(name);
  return names;
}

ForeignHistory read_foreign_history(db::Driver& driver, Tool tool) {
  ForeignHistory history;
  history.tool = tool;
  driver.transact([&](step::Session& session) {
    switch (tool) {
      case Tool::drizzle: read_drizzle(session, history); break;
      case Tool::goose: read_goose(session, history); break;
      case Tool::flyway: read_flyway(session, history); break;
      case Tool::golang_migrate: read_golang_migrate(session, history); break;
      case Tool::dbmate: read_dbmate(session, history); break;
      case Tool::alembic: read_alembic(session, history); break;
    }
  });
  return history;
}

}  // namespace migrate::adopt
