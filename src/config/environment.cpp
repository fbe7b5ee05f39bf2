// .env parsing and the snapshot of the process environment.
#include "migrate/config/environment.hpp"

#include <cctype>
#include <filesystem>
#include <system_error>

#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"
#include "migrate/util/text.hpp"

extern char** environ;

namespace migrate::config {

namespace {

bool valid_key(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// Parses the value part; returns false when a quote is left open.
bool parse_value(std::string_view raw, std::string& value) {
  raw = util::trim(raw);
  if (raw.empty()) return true;
  const char quote = raw.front();
  if (quote == '\'' || quote == '"') {
    std::size_t i = 1;
    for (; i < raw.size() && raw[i] != quote; ++i) {
      if (quote == '"' && raw[i] == '\\' && i + 1 < raw.size()) {
        const char next = raw[++i];
        value.push_back(next == 'n' ? '\n' : next == 't' ? '\t' : next);
      } else {
        value.push_back(raw[i]);
      }
    }
    if (i >= raw.size()) return false;
    const std::string_view rest = util::trim(raw.substr(i + 1));
    return rest.empty() || rest.front() == '#';
  }
  const std::size_t comment = raw.find(" #");
  value = std::string(util::trim(raw.substr(0, comment)));
  return true;
}

}  // namespace

std::map<std::string, std::string> parse_env_file(std::string_view text, std::string_view file_name) {
  std::map<std::string, std::string> variables;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    std::string_view line = util::trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    if (util::starts_with(line, "export ")) line = util::trim(line.substr(7));
    const std::size_t eq = line.find('=');
    const std::string_view key = eq == std::string_view::npos ? line : util::trim(line.substr(0, eq));
    std::string value;
    if (eq == std::string_view::npos || !valid_key(key) || !parse_value(line.substr(eq + 1), value)) {
      throw ConfigError(std::string(file_name) + ":" + std::to_string(line_number) +
                        ": expected KEY=VALUE");
    }
    variables[std::string(key)] = std::move(value);
  }
  return variables;
}

namespace {

// The text of the .env file at path; nullopt when there is none. A path that exists but
// is no readable regular file is an error, never a silent "no .env": the variables it
// was meant to hold would fall back to defaults (the SQLite default database).
std::optional<std::string> read_dotenv(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory) {
    throw ConfigError("cannot read " + path.string() + ": " + ec.message());
  }
  if (!fs::exists(link)) return std::nullopt;
  const fs::file_status target = fs::status(path, ec);
  if (!fs::exists(target)) {
    throw ConfigError(path.string() + " is a symbolic link to nothing; remove it or point it at a file of "
                                      "KEY=VALUE lines");
  }
  if (!fs::is_regular_file(target)) {
    throw ConfigError(path.string() + " is not a regular file" +
                      (fs::is_directory(target) ? std::string(" but a directory") : std::string()) +
                      "; remove it or make it a file of KEY=VALUE lines");
  }
  try {
    return util::read_file(path);
  } catch (const std::runtime_error& e) {
    throw ConfigError(e.what());
  }
}

}  // namespace

Environment Environment::from_process(const std::filesystem::path& dotenv_path) {
  Environment env;
  if (const std::optional<std::string> text = read_dotenv(dotenv_path)) {
    env.m_variables = parse_env_file(*text, dotenv_path.string());
    env.m_dotenv_path = dotenv_path;
    for (const auto& entry : env.m_variables) env.m_from_dotenv.insert(entry.first);
  }
  // The process environment wins, even with an empty value: `ALPHA_URL=` from docker
  // compose or systemd is then reported as set but empty, not silently replaced.
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view pair(*entry);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string name(pair.substr(0, eq));
    env.m_variables[name] = std::string(pair.substr(eq + 1));
    env.m_from_dotenv.erase(name);
  }
  return env;
}

std::filesystem::path Environment::origin(const std::string& name) const {
  return m_from_dotenv.count(name) == 0 ? std::filesystem::path() : m_dotenv_path;
}

std::optional<std::string> Environment::get(const std::string& name) const {
  const auto it = m_variables.find(name);
  if (it == m_variables.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace migrate::config
