// .env parsing and the snapshot of the process environment.
#include "migrate/config/environment.hpp"

#include <cctype>
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

Environment Environment::from_process(const std::filesystem::path& dotenv_path) {
  std::map<std::string, std::string> variables;
  std::error_code ec;
  if (std::filesystem::is_regular_file(dotenv_path, ec)) {
    std::string text;
    try {
      text = util::read_file(dotenv_path);
    } catch (const std::runtime_error& e) {
      throw ConfigError(e.what());
    }
    variables = parse_env_file(text, dotenv_path.string());
  }
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view pair(*entry);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    variables[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
  }
  return Environment(std::move(variables));
}

std::optional<std::string> Environment::get(const std::string& name) const {
  const auto it = m_variables.find(name);
  if (it == m_variables.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace migrate::config
