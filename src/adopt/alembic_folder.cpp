// Reads Alembic revision files as text (module-level assignments and the docstring), orders
// the graph and numbers it; reads and writes the id mapping file.
#include "migrate/adopt/alembic_folder.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <system_error>

#include "migrate/util/error.hpp"
#include "migrate/util/file_io.hpp"

namespace migrate::adopt {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_max_digits = 18;

bool all_digits(const std::string& text) {
  return !text.empty() && text.size() <= k_max_digits && text.find_first_not_of("0123456789") == std::string::npos;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

[[noreturn]] void bad(const fs::path& file, std::size_t line, const std::string& why) {
  throw UsageError("cannot read the Alembic revision " + file.string() + ":" + std::to_string(line) + ": " + why +
                   "; migrate reads module-level `revision = '...'`, `down_revision = '...' | None | ('a', 'b')` "
                   "and `depends_on` without running Python; fix the file, nothing was written");
}

// The string literals of a value: 'x', "x", None, ('a', 'b'), ['a'] ; nullopt-like throw otherwise.
std::vector<std::string> literal_strings(const std::string& value, const fs::path& file, std::size_t line) {
  std::string text = trim(value);
  if (text == "None" || text == "()" || text == "[]") return {};
  bool sequence = false;
  if (!text.empty() && (text.front() == '(' || text.front() == '[')) {
    const char close = text.front() == '(' ? ')' : ']';
    if (text.back() != close) bad(file, line, "the value " + text + " is not closed");
    text = text.substr(1, text.size() - 2);
    sequence = true;
  }
  std::vector<std::string> strings;
  std::size_t at = 0;
  while (true) {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) ++at;
    if (at >= text.size()) break;
    const char quote = text[at];
    if (quote != '\'' && quote != '"')
      bad(file, line, "the value " + trim(value) + " is not a string literal, None or a tuple of them");
    const auto end = text.find(quote, at + 1);
    if (end == std::string::npos) bad(file, line, "an unterminated string in " + trim(value));
    strings.push_back(text.substr(at + 1, end - at - 1));
    at = end + 1;
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) ++at;
    if (at >= text.size()) break;
    if (text[at] != ',' || !sequence)
      bad(file, line, "the value " + trim(value) + " is not a string literal, None or a tuple of them");
    ++at;
  }
  if (!sequence && strings.size() != 1) bad(file, line, "the value " + trim(value) + " is not a string literal");
  return strings;
}

// `name = value` or `name: Type = value` at column 0; the value may continue over lines
// while a bracket is open.
bool assignment(const std::vector<std::string>& lines, std::size_t& i, const std::string& name, std::string& value) {
  const std::string& line = lines[i];
  if (line.compare(0, name.size(), name) != 0) return false;
  std::size_t at = name.size();
  while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
  if (at < line.size() && line[at] == ':') {
    at = line.find('=', at);
    if (at == std::string::npos) return false;
  }
  if (at >= line.size() || line[at] != '=' || (at + 1 < line.size() && line[at + 1] == '=')) return false;
  value = line.substr(at + 1);
  const auto hash = value.find(" #");
  if (hash != std::string::npos) value.erase(hash);
  int depth = 0;
  auto balance = [&](const std::string& text) {
    for (char c : text) depth += (c == '(' || c == '[') ? 1 : (c == ')' || c == ']') ? -1 : 0;
  };
  balance(value);
  while (depth > 0 && i + 1 < lines.size()) {
    value += "\n" + lines[++i];
    balance(lines[i]);
  }
  return true;
}

std::string sanitized_name(const std::string& text) {
  std::string name;
  for (char c : text) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    name += ok ? c : '_';
  }
  while (!name.empty() && !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
                            (name[0] >= '0' && name[0] <= '9'))) {
    name.erase(0, 1);
  }
  return name;
}

// The name part: the file's stem without its leading `<id>_`, else the id.
std::string name_of(const AlembicRevision& revision) {
  std::string stem = revision.file.stem().string();
  if (stem.compare(0, revision.id.size() + 1, revision.id + "_") == 0) stem.erase(0, revision.id.size() + 1);
  std::string name = sanitized_name(stem);
  return name.empty() ? "alembic_" + sanitized_name(revision.id) : name;
}

std::vector<const AlembicRevision*> topological(const std::vector<AlembicRevision>& revisions, const fs::path& dir) {
  std::map<std::string, const AlembicRevision*> by_id;
  for (const AlembicRevision& revision : revisions) by_id[revision.id] = &revision;
  std::map<std::string, std::size_t> waiting;
  std::map<std::string, std::vector<std::string>> children;
  for (const AlembicRevision& revision : revisions) {
    std::set<std::string> parents(revision.down_revisions.begin(), revision.down_revisions.end());
    parents.insert(revision.depends_on.begin(), revision.depends_on.end());
    for (const std::string& parent : parents) {
      if (by_id.count(parent) == 0) {
        throw UsageError(revision.file.string() + ": revision '" + revision.id + "' names '" + parent +
                         "' as its down_revision or depends_on, but no file in " + dir.string() +
                         " has that revision; restore the file, nothing was written");
      }
      children[parent].push_back(revision.id);
    }
    waiting[revision.id] = parents.size();
  }
  auto before = [&](const std::string& a, const std::string& b) {
    const AlembicRevision& x = *by_id[a];
    const AlembicRevision& y = *by_id[b];
    return std::tie(x.create_date, x.id) > std::tie(y.create_date, y.id);  // a min-heap
  };
  std::vector<std::string> ready;
  for (const auto& [id, count] : waiting) {
    if (count == 0) ready.push_back(id);
  }
  std::make_heap(ready.begin(), ready.end(), before);
  std::vector<const AlembicRevision*> order;
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), before);
    const std::string id = ready.back();
    ready.pop_back();
    order.push_back(by_id[id]);
    for (const std::string& child : children[id]) {
      if (--waiting[child] == 0) {
        ready.push_back(child);
        std::push_heap(ready.begin(), ready.end(), before);
      }
    }
  }
  if (order.size() != revisions.size()) {
    std::string stuck;
    for (const auto& [id, count] : waiting) {
      if (count > 0) stuck += (stuck.empty() ? "" : ", ") + id;
    }
    throw UsageError("the Alembic revisions in " + dir.string() + " form a cycle (through " + stuck +
                     "); fix their down_revision, nothing was written");
  }
  return order;
}

}  // namespace

AlembicRevision parse_alembic_revision(const fs::path& file, const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  AlembicRevision revision;
  revision.file = file;
  bool have_revision = false;
  bool docstring_seen = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t line_no = i + 1;
    const std::string line = trim(lines[i]);
    if (!docstring_seen && (line.rfind("\"\"\"", 0) == 0 || line.rfind("'''", 0) == 0)) {
      docstring_seen = true;
      const std::string quote = line.substr(0, 3);
      std::string first = trim(line.substr(3));
      std::size_t j = i;
      bool closed = first.find(quote) != std::string::npos;
      if (closed) first.erase(first.find(quote));
      revision.message = trim(first);
      while (!closed && ++j < lines.size()) {
        std::string body = lines[j];
        closed = body.find(quote) != std::string::npos;
        if (closed) body.erase(body.find(quote));
        body = trim(body);
        if (revision.message.empty()) revision.message = body;
        if (body.rfind("Create Date:", 0) == 0) revision.create_date = trim(body.substr(12));
      }
      i = j;
      continue;
    }
    std::string value;
    if (assignment(lines, i, "revision", value)) {
      const auto ids = literal_strings(value, file, line_no);
      if (ids.size() != 1) bad(file, line_no, "`revision` must be one string");
      revision.id = ids.front();
      have_revision = true;
    } else if (assignment(lines, i, "down_revision", value)) {
      revision.down_revisions = literal_strings(value, file, line_no);
    } else if (assignment(lines, i, "depends_on", value)) {
      revision.depends_on = literal_strings(value, file, line_no);
    }
  }
  if (!have_revision || revision.id.empty()) bad(file, 1, "no module-level `revision = '...'`");
  return revision;
}

std::vector<AlembicRevision> read_alembic_folder(const fs::path& dir, const AlembicMap& known) {
  std::error_code ec;
  fs::path versions = dir / "versions";
  if (!fs::is_directory(versions, ec)) versions = dir;
  if (!fs::is_directory(versions, ec)) {
    throw UsageError("the Alembic folder " + dir.string() + " does not exist; give the folder holding versions/");
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(versions, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".py" && it->path().filename() != "__init__.py") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    throw UsageError("no Alembic revisions (*.py) in " + versions.string() + "; give the folder holding versions/");
  }
  std::vector<AlembicRevision> revisions;
  std::map<std::string, fs::path> seen;
  for (const fs::path& file : files) {
    std::string text;
    try {
      text = util::read_file(file);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
    AlembicRevision revision = parse_alembic_revision(file, text);
    const auto [it, inserted] = seen.emplace(revision.id, file);
    if (!inserted) {
      throw UsageError(it->second.string() + " and " + file.string() + " both declare revision '" + revision.id +
                       "'; ids must be unique, nothing was written");
    }
    revisions.push_back(std::move(revision));
  }
  const std::vector<const AlembicRevision*> order = topological(revisions, versions);

  Version highest = 0;
  std::size_t width = 4;
  for (const AlembicRevision& revision : revisions) {
    if (all_digits(revision.id)) {
      highest = std::max(highest, static_cast<Version>(std::stoull(revision.id)));
      width = revision.id.size();
    }
  }
  for (const auto& [id, entry] : known) highest = std::max(highest, entry.version);
  std::vector<AlembicRevision> numbered;
  for (const AlembicRevision* revision : order) {
    AlembicRevision out = *revision;
    const auto mapped = known.find(out.id);
    if (all_digits(out.id)) {
      out.version = static_cast<Version>(std::stoull(out.id));
      out.version_text = out.id;
    } else {
      out.version = mapped != known.end() ? mapped->second.version : ++highest;
      out.version_text = std::to_string(out.version);
      if (out.version_text.size() < width) out.version_text.insert(0, width - out.version_text.size(), '0');
    }
    out.name = name_of(out);
    numbered.push_back(std::move(out));
  }
  // migrate applies by version: every parent must carry a lower number than its child.
  std::map<std::string, const AlembicRevision*> by_id;
  std::map<Version, const AlembicRevision*> by_version;
  for (const AlembicRevision& revision : numbered) {
    by_id[revision.id] = &revision;
    const auto [it, inserted] = by_version.emplace(revision.version, &revision);
    if (!inserted) {
      throw UsageError("Alembic revisions '" + it->second->id + "' and '" + revision.id + "' both get version " +
                       std::to_string(revision.version) + "; renumber one of them, nothing was written");
    }
  }
  for (const AlembicRevision& revision : numbered) {
    std::vector<std::string> parents = revision.down_revisions;
    parents.insert(parents.end(), revision.depends_on.begin(), revision.depends_on.end());
    for (const std::string& parent : parents) {
      if (by_id[parent]->version >= revision.version) {
        throw UsageError("Alembic revision '" + revision.id + "' (version " + std::to_string(revision.version) +
                         ") comes after '" + parent + "' (version " + std::to_string(by_id[parent]->version) +
                         "), but migrate applies revisions in ascending version order; nothing was written");
      }
    }
  }
  std::sort(numbered.begin(), numbered.end(),
            [](const AlembicRevision& a, const AlembicRevision& b) { return a.version < b.version; });
  return numbered;
}

AlembicMap alembic_map_of(const std::vector<AlembicRevision>& revisions) {
  AlembicMap map;
  for (const AlembicRevision& revision : revisions) {
    map[revision.id] = AlembicMapEntry{revision.version, revision.down_revisions, revision.depends_on};
  }
  return map;
}

AlembicMap read_alembic_map(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return {};
  AlembicMap map;
  try {
    const nlohmann::json document = nlohmann::json::parse(util::read_file(file));
    for (const auto& [id, entry] : document.at("revisions").items()) {
      AlembicMapEntry out;
      out.version = entry.at("version").get<Version>();
      out.down_revisions = entry.value("down_revisions", std::vector<std::string>{});
      out.depends_on = entry.value("depends_on", std::vector<std::string>{});
      map[id] = std::move(out);
    }
  } catch (const nlohmann::json::exception& e) {
    throw UsageError("cannot read the Alembic id mapping " + file.string() + " (" + e.what() +
                     "); it is written by `migrate import alembic`: import again, or restore the file");
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  return map;
}

std::string alembic_map_text(const AlembicMap& map) {
  nlohmann::json revisions = nlohmann::json::object();
  for (const auto& [id, entry] : map) {
    revisions[id] = {
        {"version", entry.version}, {"down_revisions", entry.down_revisions}, {"depends_on", entry.depends_on}};
  }
  const nlohmann::json document = {{"tool", "alembic"}, {"revisions", revisions}};
  return document.dump(2) + "\n";
}

}  // namespace migrate::adopt
