// CLI test helpers.
#include "cli/cli_fixtures.hpp"

#include <ostream>
#include <sstream>

namespace migrate::test {

namespace fs = std::filesystem;

fs::path sqlite_file(const TestDatabase& db) {
  const std::string url = db.url();
  const std::string prefix = "sqlite://";
  REQUIRE(url.compare(0, prefix.size(), prefix) == 0);
  return fs::path(url.substr(prefix.size()));
}

void write_transfer_manifest(const CliProject& project, const TestDatabase& target, const std::string& transfers) {
  project.set_manifest("[services.bot]\nmigrations = \"services/bot/migrations\"\ndatabase_url = \"" + target.url() +
                       "\"\n\n" + transfers);
}

void fill_item_source(TestDatabase& source, int count) {
  source.exec("CREATE TABLE item (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);");
  std::string sql = "BEGIN;";
  for (int i = 1; i <= count; ++i) sql += "INSERT INTO item VALUES (" + std::to_string(i) + ", 'payload');";
  source.exec(sql + "COMMIT;");
}

void add_slow_item_table(const CliProject& project, const std::string& delay) {
  project.add("bot", 1, "item",
              "CREATE TABLE item (id bigint PRIMARY KEY, payload text NOT NULL);\n"
              "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(" + delay +
                  "); RETURN NEW; END $$;\n"
              "CREATE TRIGGER slow BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION slow();\n");
}

bool operator==(const DatabaseState& a, const DatabaseState& b) {
  return a.exists == b.exists && a.schema == b.schema && a.history == b.history;
}

std::ostream& operator<<(std::ostream& out, const DatabaseState& state) {
  if (!state.exists) return out << "<no database file>";
  out << "history [";
  for (const std::string& row : state.history) out << " " << row;
  return out << " ]\nschema:\n" << state.schema;
}

DatabaseState capture(TestDatabase& db, const std::string& service) {
  DatabaseState state;
  if (db.dialect() == Dialect::sqlite && !fs::exists(sqlite_file(db))) {
    state.exists = false;
    return state;
  }
  state.schema = db.schema();
  state.history = db.history(service);
  return state;
}

int lock_rows(TestDatabase& db) {
  const std::string exists = db.scalar(
      db.dialect() == Dialect::postgres
          ? "SELECT count(*) FROM pg_tables WHERE tablename = 'migration_lock'"
          : "SELECT count(*) FROM sqlite_master WHERE name = 'migration_lock'");
  if (exists == "0") return 0;
  return std::stoi(db.scalar("SELECT count(*) FROM migration_lock"));
}

nlohmann::json parse_json(const CliResult& result) {
  INFO(describe(result));
  nlohmann::json document;
  REQUIRE_NOTHROW(document = nlohmann::json::parse(result.out));
  return document;
}

void check_service_status(const nlohmann::json& document, const std::string& service,
                          const std::string& state, const std::string& current,
                          const std::string& latest, int applied, int pending) {
  INFO("status --json of " << service << ":\n" << document.dump(2));
  REQUIRE(document.contains("services"));
  REQUIRE(document["services"].contains(service));
  const nlohmann::json& entry = document["services"][service];
  CHECK(entry.value("status", "") == state);
  if (current.empty()) CHECK(entry.at("current_revision").is_null());
  else CHECK(entry.at("current_revision") == current);
  CHECK(entry.at("latest_revision") == latest);
  CHECK(entry.at("applied") == applied);
  CHECK(entry.at("pending") == pending);
  CHECK(entry.at("drift").is_array());
  if (state != "drift") CHECK(entry.at("drift").empty());
  CHECK(entry.at("dirty") == false);
}

}  // namespace migrate::test
