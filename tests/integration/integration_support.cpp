// Helpers of the backup, restore and audit integration tests.
#include "integration/integration_support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <regex>
#include <sstream>

namespace migrate::itest {

std::string describe(const test::CliResult& result) {
  return "exit code " + std::to_string(result.exit_code) + "\n--- stdout ---\n" + result.out +
         "--- stderr ---\n" + result.err + "--------------";
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string url_password(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const std::size_t at = url.find('@', scheme);
  const std::size_t colon = url.find(':', scheme + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return "";
  return url.substr(colon + 1, at - colon - 1);
}

std::string service_toml(const std::string& name, const std::string& url_env,
                         const std::vector<std::string>& depends_on) {
  std::string text = "[services." + name + "]\nmigrations = \"services/" + name + "/migrations\"\n";
  if (!url_env.empty()) text += "database_url_env = \"" + url_env + "\"\n";
  if (!depends_on.empty()) {
    text += "depends_on = [";
    for (std::size_t i = 0; i < depends_on.size(); ++i) text += (i ? ", \"" : "\"") + depends_on[i] + "\"";
    text += "]\n";
  }
  return text + "\n";
}

Project::Project(const std::string& services_toml, int keep_backups) {
  set_manifest("[defaults]\nbackup_dir = \"migration-backups\"\naudit_log = \"migration-audit.log\"\n"
               "keep_backups = " +
               std::to_string(keep_backups) + "\n\n" + services_toml);
}

void Project::set_manifest(const std::string& text) const { m_dir.write("migrate.toml", text); }

void Project::add(const std::string& service, int version, const std::string& name, const std::string& up,
                  const std::string& down) const {
  std::string digits = std::to_string(version);
  if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
  const std::string base = "services/" + service + "/migrations/" + digits + "_" + name;
  m_dir.write(base + ".up.sql", up);
  if (!down.empty()) m_dir.write(base + ".down.sql", down);
}

test::CliResult Project::run(const std::vector<std::string>& args, const test::CliOptions& options) const {
  std::vector<std::string> full{"--config", config().string()};
  full.insert(full.end(), args.begin(), args.end());
  return test::run_migrate(full, options);
}

test::CliResult Project::run_on_terminal(const std::vector<std::string>& args, const std::string& typed,
                                         const std::map<std::string, std::string>& env) const {
  std::vector<std::string> full{"--config", config().string()};
  full.insert(full.end(), args.begin(), args.end());
  return run_migrate_on_terminal(full, env, typed);
}

std::vector<std::string> Project::backup_entries() const {
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

std::vector<nlohmann::json> Project::audit() const {
  std::vector<nlohmann::json> events;
  std::error_code ec;
  if (!fs::exists(audit_log(), ec)) return events;
  const std::string text = test::slurp(audit_log());
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

test::CliResult run_migrate_on_terminal(const std::vector<std::string>& args,
                                        const std::map<std::string, std::string>& env, const std::string& typed) {
  std::vector<std::string> argv_strings{MIGRATE_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::map<std::string, std::string> merged = test::minimal_environment();
  for (const auto& [key, value] : env) merged[key] = value;
  std::vector<std::string> env_strings;
  for (const auto& [key, value] : merged) env_strings.push_back(key + "=" + value);
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  // The terminal: the answer is typed on the master before the child starts reading.
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  const char* slave_name = ::ptsname(master);
  REQUIRE(slave_name != nullptr);
  const int slave = ::open(slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(slave >= 0);
  REQUIRE(::isatty(slave) == 1);
  // Then end-of-file (^D ends a partial line, a second one is EOF), so a read never hangs.
  const std::string keys = typed + "\x04\x04";
  REQUIRE(::write(master, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size()));

  int out[2], err[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setsid();
    ::dup2(slave, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(slave);
  ::close(out[1]);
  ::close(err[1]);

  test::CliResult result;
  int fds_open[3] = {out[0], err[0], master};
  char buffer[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (fds_open[0] >= 0 || fds_open[1] >= 0) {
    pollfd fds[3] = {{fds_open[0], POLLIN, 0}, {fds_open[1], POLLIN, 0}, {fds_open[2], POLLIN, 0}};
    const int ready = ::poll(fds, 3, 1000);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);  // a hung child fails the test instead of the suite
      result.err += "\n[killed after 120 s]";
      break;
    }
    for (int i = 0; i < 3; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        if (i < 2) (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds_open[i] = -1;
      }
    }
  }
  for (const int fd : fds_open) {
    if (fd >= 0) ::close(fd);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::vector<nlohmann::json> last_run(const Project& project) {
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
