// Backup file naming and retention.
#include "migrate/backup/backup_store.hpp"

#include <algorithm>
#include <ctime>
#include <system_error>

#include "migrate/util/text.hpp"

namespace migrate::backup {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_stamp_length = 16;  // YYYYMMDDTHHMMSSZ

bool is_stamp(std::string_view text) {
  if (text.size() != k_stamp_length || text[8] != 'T' || text[15] != 'Z') return false;
  for (std::size_t i = 0; i < k_stamp_length; ++i) {
    if (i == 8 || i == 15) continue;
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

// Parses "<service>_<stamp>[-N].<ext>"; returns the sort key (stamp, N) or false.
bool parse_name(std::string_view name, const std::string& service, std::string& stamp, int& sequence) {
  if (!util::starts_with(name, service + "_")) return false;
  name.remove_prefix(service.size() + 1);
  const std::size_t dot = name.find('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view ext = name.substr(dot);
  if (ext != ".sql" && ext != ".dump" && ext != ".sqlite3") return false;
  std::string_view base = name.substr(0, dot);
  sequence = 1;
  if (base.size() > k_stamp_length && base[k_stamp_length] == '-') {
    const std::string_view digits = base.substr(k_stamp_length + 1);
    if (digits.empty() || digits.size() > 6 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    sequence = std::stoi(std::string(digits));
    base = base.substr(0, k_stamp_length);
  }
  if (!is_stamp(base)) return false;
  stamp = std::string(base);
  return true;
}

}  // namespace

std::string backup_timestamp(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::vector<BackupFile> BackupStore::list(const std::string& service) const {
  struct Found {
    BackupFile file;
    int sequence;
  };
  std::vector<Found> found;
  std::error_code ec;
  for (fs::directory_iterator it(m_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    std::string stamp;
    int sequence = 0;
    std::string named_after;
    if (parse_name(name, service, stamp, sequence)) {
      named_after = service;
    } else {
      // A backup of a database shared with the service, named after another service.
      const std::size_t underscore = name.rfind('_', name.find('.'));
      if (underscore == std::string::npos || underscore == 0) continue;
      named_after = name.substr(0, underscore);
      if (!parse_name(name, named_after, stamp, sequence)) continue;
    }
    std::optional<BackupInfo> info = read_info(it->path());
    if (named_after != service && (!info || info->services.count(service) == 0)) continue;
    found.push_back({{it->path(), named_after, stamp, it->file_size(ec), std::move(info)}, sequence});
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    if (a.file.timestamp != b.file.timestamp) return a.file.timestamp > b.file.timestamp;
    return a.sequence > b.sequence;
  });
  std::vector<BackupFile> files;
  for (Found& f : found) files.push_back(std::move(f.file));
  return files;
}

std::vector<BackupFile> BackupStore::list(const std::string& service, const std::string& database) const {
  std::vector<BackupFile> files = list(service);
  files.erase(std::remove_if(files.begin(), files.end(),
                             [&](const BackupFile& file) { return (file.info ? file.info->database : "") != database; }),
              files.end());
  return files;
}

fs::path BackupStore::new_path(const std::string& service, const std::string& extension,
                               std::chrono::system_clock::time_point time) const {
  // Within one second, take a sequence above every existing one (never a freed lower
  // name), so that the new backup sorts as the newest of that second.
  const std::string stamp = backup_timestamp(time);
  int highest = 0;
  std::error_code ec;
  for (fs::directory_iterator it(m_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string found_stamp;
    int sequence = 0;
    if (parse_name(it->path().filename().string(), service, found_stamp, sequence) && found_stamp == stamp) {
      highest = std::max(highest, sequence);
    }
  }
  for (int sequence = highest + 1;; ++sequence) {
    const std::string suffix = sequence == 1 ? "" : "-" + std::to_string(sequence);
    fs::path candidate = m_dir / (service + "_" + stamp + suffix + extension);
    if (!fs::exists(candidate, ec)) return candidate;
  }
}

std::vector<fs::path> BackupStore::prune(const std::string& service, int keep, const fs::path& protect,
                                         const std::string& database) const {
  std::vector<fs::path> removed;
  std::size_t kept = 0;
  const std::size_t limit = static_cast<std::size_t>(std::max(keep, 0));
  std::vector<BackupFile> files = list(service, database);
  // The protected file is kept first and counts toward `keep`; the rest, newest first.
  std::error_code ec;
  std::stable_partition(files.begin(), files.end(), [&](const BackupFile& file) {
    return !protect.empty() && fs::equivalent(file.path, protect, ec);
  });
  for (const BackupFile& file : files) {
    if (kept < limit) {
      ++kept;
      continue;
    }
    if (fs::remove(file.path, ec)) {
      fs::remove(info_path(file.path), ec);
      removed.push_back(file.path);
    }
  }
  return removed;
}

}  // namespace migrate::backup
