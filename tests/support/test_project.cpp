// The test project and the text helpers of CLI-level tests.
#include "support/test_project.hpp"

#include <algorithm>
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

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
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

std::string service_toml(const std::string& name, const std::string& url_env,
                         const std::vector<std::string>& depends_on) {
  std::string text = single_service_manifest(name);
  if (!url_env.empty()) text += "database_url_env = \"" + url_env + "\"\n";
  if (!depends_on.empty()) {
    text += "depends_on = [";
    for (std::size_t i = 0; i < depends_on.size(); ++i) text += (i ? ", \"" : "\"") + depends_on[i] + "\"";
    text += "]\n";
  }
  return text + "\n";
}

std::string manifest_with_defaults(const std::string& services_toml, int keep_backups) {
  return "[defaults]\nbackup_dir = \"migration-backups\"\naudit_log = \"migration-audit.log\"\n"
         "keep_backups = " +
         std::to_string(keep_backups) + "\n\n" + services_toml;
}

TestProject::TestProject(const std::string& manifest_text) { set_manifest(manifest_text); }

fs::path TestProject::migrations(const std::string& service) const {
  return dir() / "services" / service / "migrations";
}

void TestProject::set_manifest(const std::string& text) const { m_dir.write("migrate.toml", text); }

fs::path TestProject::write(const std::string& file, const std::string& content, const std::string& service) const {
  return m_dir.write("services/" + service + "/migrations/" + file, content);
}

void TestProject::add_table(int version, const std::string& table, const std::string& service,
                            bool reversible) const {
  const std::string base = stem(version, "create_" + table);
  write(base + ".up.sql", "CREATE TABLE " + table + " (\n    id INTEGER PRIMARY KEY,\n    note TEXT\n);\n",
        service);
  if (reversible) write(base + ".down.sql", "DROP TABLE " + table + ";\n", service);
}

void TestProject::add(const std::string& service, int version, const std::string& name, const std::string& up,
                      const std::string& down) const {
  const std::string base = stem(version, name);
  write(base + ".up.sql", up, service);
  if (!down.empty()) write(base + ".down.sql", down, service);
}

std::vector<std::string> TestProject::arguments(const std::vector<std::string>& args, const TestDatabase* db) const {
  std::vector<std::string> full{"--config", config().string()};
  full.insert(full.end(), args.begin(), args.end());
  if (db != nullptr) {
    full.push_back("--database-url");
    full.push_back(db->url());
  }
  return full;
}

CliResult TestProject::run(const std::vector<std::string>& args, const TestDatabase* db,
                           const CliOptions& options) const {
  CliResult result = run_migrate(arguments(args, db), options);
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

CliResult TestProject::run(const std::vector<std::string>& args, const CliOptions& options) const {
  return run(args, nullptr, options);
}

CliResult TestProject::run_on_terminal(const std::vector<std::string>& args, const std::string& typed,
                                       const std::map<std::string, std::string>& env) const {
  CliOptions options;
  options.env = env;
  options.input = typed;
  options.stdio = Stdio::terminal;
  return run(args, options);
}

std::unique_ptr<ChildProcess> TestProject::start(const std::vector<std::string>& args, const TestDatabase* db,
                                                 const CliOptions& options) const {
  return start_migrate(arguments(args, db), options);
}

std::vector<std::string> TestProject::backup_entries() const {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(backup_dir(), ec)) return names;
  for (const auto& entry : fs::directory_iterator(backup_dir())) {
    // A backup's sidecar (<backup>.json, its source database) is part of that backup.
    if (entry.path().extension() == ".json") continue;
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<nlohmann::json> TestProject::audit() const {
  std::vector<nlohmann::json> events;
  std::error_code ec;
  if (!fs::exists(audit_log(), ec)) return events;
  const std::string text = slurp(audit_log());
  if (!text.empty()) {
    INFO("the audit log ends with a newline");
    CHECK(text.back() == '\n');
  }
  for (const std::string& line : split_lines(text)) {
    INFO("audit line: " << line);
    nlohmann::json event;
    REQUIRE_NOTHROW(event = nlohmann::json::parse(line));
    REQUIRE(event.is_object());
    events.push_back(std::move(event));
  }
  return events;
}

void TestProject::clear_audit() const {
  std::error_code ec;
  fs::remove(audit_log(), ec);
}

}  // namespace migrate::test
