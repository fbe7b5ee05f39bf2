// CLI test helpers.
#include "cli/cli_fixtures.hpp"

#include <ostream>
#include <sstream>

namespace migrate::test {

namespace fs = std::filesystem;

std::string describe(const CliResult& result) {
  return "exit code " + std::to_string(result.exit_code) + "\n--- stdout ---\n" + result.out +
         "--- stderr ---\n" + result.err + "--------------";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

fs::path sqlite_file(const TestDatabase& db) {
  const std::string url = db.url();
  const std::string prefix = "sqlite://";
  REQUIRE(url.compare(0, prefix.size(), prefix) == 0);
  return fs::path(url.substr(prefix.size()));
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

std::string url_password(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const std::size_t at = url.find('@', scheme);
  const std::size_t colon = url.find(':', scheme + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return "";
  return url.substr(colon + 1, at - colon - 1);
}

void check_no_password(const CliResult& result, const std::string& url) {
  const std::string password = url_password(url);
  if (password.empty()) return;
  INFO("the output must not show the database password");
  CHECK_THAT(result.out, !Catch::Contains(password));
  CHECK_THAT(result.err, !Catch::Contains(password));
}

std::string stem(int version, const std::string& name) {
  std::string digits = std::to_string(version);
  if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
  return digits + "_" + name;
}

std::string single_service_manifest(const std::string& name) {
  return "[services." + name + "]\nmigrations = \"services/" + name + "/migrations\"\n";
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

CliProject::CliProject(const std::string& manifest_text) { set_manifest(manifest_text); }

fs::path CliProject::migrations(const std::string& service) const {
  return dir() / "services" / service / "migrations";
}

void CliProject::set_manifest(const std::string& text) const { m_dir.write("migrate.toml", text); }

fs::path CliProject::write(const std::string& file, const std::string& content,
                           const std::string& service) const {
  return m_dir.write("services/" + service + "/migrations/" + file, content);
}

void CliProject::add_table(int version, const std::string& table, const std::string& service,
                           bool reversible) const {
  const std::string base = stem(version, "create_" + table);
  write(base + ".up.sql", "CREATE TABLE " + table + " (\n    id INTEGER PRIMARY KEY,\n    note TEXT\n);\n",
        service);
  if (reversible) write(base + ".down.sql", "DROP TABLE " + table + ";\n", service);
}

CliResult CliProject::run(const std::vector<std::string>& args, const TestDatabase* db,
                          const CliOptions& options) const {
  std::vector<std::string> full{"--config", config().string()};
  full.insert(full.end(), args.begin(), args.end());
  if (db != nullptr) {
    full.push_back("--database-url");
    full.push_back(db->url());
  }
  CliResult result = run_migrate(full, options);
  if (db != nullptr) {
    INFO("migrate" << [&] {
      std::string joined;
      for (const std::string& arg : args) joined += " " + arg;
      return joined;
    }());
    check_no_password(result, db->url());
  }
  return result;
}

}  // namespace migrate::test
