// Helpers of the backup, restore and audit integration tests.
#include "integration/integration_support.hpp"

#include <algorithm>
#include <atomic>
#include <regex>

namespace migrate::itest {

std::vector<nlohmann::json> last_run(const test::TestProject& project) {
  const auto lines = project.audit();
  std::size_t start = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i]["event"] == "start") start = i;
  }
  return std::vector<nlohmann::json>(lines.begin() + static_cast<std::ptrdiff_t>(start), lines.end());
}

std::vector<std::string> event_names(const std::vector<nlohmann::json>& lines) {
  std::vector<std::string> names;
  for (const nlohmann::json& line : lines) names.push_back(line["event"].get<std::string>());
  return names;
}

fs::path pg_tool(const std::string& tool) {
  int best = 0;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql")) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        fs::exists(entry.path() / "bin" / tool)) {
      best = std::max(best, std::stoi(name));
    }
  }
  REQUIRE(best > 0);
  return fs::path("/usr/lib/postgresql") / std::to_string(best) / "bin" / tool;
}

util::ProcessResult run_ok(const std::vector<std::string>& argv) {
  const util::ProcessResult result = util::run_process(argv);
  std::string command;
  for (const std::string& arg : argv) command += arg + " ";
  INFO("command: " << command << "\nexit " << result.exit_code << "\nstderr: " << result.stderr_text);
  REQUIRE(result.ok());
  return result;
}

std::string schema_dump(const std::string& url) {
  static std::atomic<int> counter{0};
  const test::TempDir dir;
  const fs::path file = dir.path() / ("schema_" + std::to_string(counter++) + ".sql");
  run_ok({pg_tool("pg_dump").string(), "--schema-only", "--no-password", "--file=" + file.string(),
          "--dbname=" + url});
  std::string out;
  for (const std::string& line : split_lines(test::slurp(file))) {
    if (line.rfind("\\restrict ", 0) == 0 || line.rfind("\\unrestrict ", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

std::string pg_contents(test::TestDatabase& db) {
  std::string out;
  for (const auto& table :
       db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")) {
    out += "table " + table[0] + "\n";
    for (const auto& row : db.query("SELECT t::text FROM public.\"" + table[0] + "\" t ORDER BY 1")) {
      out += "  " + row[0] + "\n";
    }
  }
  for (const auto& sequence :
       db.query("SELECT sequencename, coalesce(last_value::text, 'not called') FROM pg_sequences "
                "WHERE schemaname = 'public' ORDER BY sequencename")) {
    out += "sequence " + sequence[0] + " " + sequence[1] + "\n";
  }
  return out;
}

std::string sqlite_contents(test::TestDatabase& db) {
  std::string out;
  for (const auto& table : db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
    out += "table " + table[0] + "\n";
    std::vector<std::string> rows;
    for (const auto& row : db.query("SELECT * FROM \"" + table[0] + "\"")) {
      std::string text;
      for (const std::string& value : row) text += value + "|";
      rows.push_back(text);
    }
    std::sort(rows.begin(), rows.end());
    for (const std::string& row : rows) out += "  " + row + "\n";
  }
  return out;
}

Snapshot snapshot(test::TestDatabase& db) {
  if (db.dialect() == Dialect::postgres) return {schema_dump(db.url()), pg_contents(db)};
  return {db.schema(), sqlite_contents(db)};
}

std::string without_history(const std::string& contents) {
  std::string out;
  bool skipping = false;
  for (const std::string& line : split_lines(contents)) {
    if (line.rfind("table ", 0) == 0 || line.rfind("sequence ", 0) == 0) {
      skipping = line == "table schema_migrations";
    }
    if (!skipping) out += line + "\n";
  }
  return out;
}

void check_same(const Snapshot& actual, const Snapshot& expected) {
  CHECK(actual.schema == expected.schema);
  CHECK(actual.contents == expected.contents);
}

std::string current_revision(const Project& project, const std::string& service,
                             const test::CliOptions& options) {
  const test::CliResult result = project.run({"status", "--json"}, options);
  INFO(describe(result));
  nlohmann::json document;
  REQUIRE_NOTHROW(document = nlohmann::json::parse(result.out));
  REQUIRE(document.contains("services"));
  REQUIRE(document["services"].contains(service));
  const nlohmann::json& current = document["services"][service]["current_revision"];
  return current.is_null() ? "" : current.get<std::string>();
}

std::vector<std::string> backup_names(const std::vector<std::string>& entries, const std::string& service,
                                      const std::string& extension) {
  std::string escaped_ext;
  for (char c : extension) {
    if (c == '.') escaped_ext += "\\";
    escaped_ext += c;
  }
  const std::regex pattern(service + "_[0-9]{8}T[0-9]{6}Z(-[0-9]+)?" + escaped_ext);
  std::vector<std::string> names;
  for (const std::string& name : entries) {
    if (std::regex_match(name, pattern)) names.push_back(name);
  }
  return names;
}

}  // namespace migrate::itest
