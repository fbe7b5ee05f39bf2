// Backup sidecars: <backup>.json records the source database and its services' heads.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "migrate/backup/backup_store.hpp"
#include "migrate/util/error.hpp"

namespace migrate::backup {

namespace fs = std::filesystem;

fs::path info_path(const fs::path& file) { return fs::path(file.string() + ".json"); }

void write_info(const fs::path& file, const BackupInfo& info) {
  nlohmann::ordered_json services = nlohmann::ordered_json::object();
  for (const auto& [service, head] : info.services) {
    services[service] = head ? nlohmann::ordered_json(format_version(*head)) : nlohmann::ordered_json(nullptr);
  }
  const std::string text =
      nlohmann::ordered_json{{"database", info.database}, {"url", info.url}, {"services", services}}.dump(2) + "\n";
  const fs::path final_path = info_path(file);
  // Hidden, like a backup's own partial file, so a killed run's leftover is never listed.
  const fs::path temp =
      final_path.parent_path() / ("." + final_path.filename().string() + "." + std::to_string(::getpid()) + ".partial");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw BackupFailed("cannot write " + final_path.string() + ": " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  std::error_code ec;
  if (written) fs::rename(temp, final_path, ec);
  if (!written || ec) {
    fs::remove(temp, ec);
    throw BackupFailed("cannot write " + final_path.string() + ": " + (written ? ec.message() : std::strerror(error)));
  }
}

std::optional<BackupInfo> read_info(const fs::path& file) {
  std::ifstream in(info_path(file));
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json document = nlohmann::json::parse(text.str(), nullptr, false);
  if (!document.is_object() || !document.contains("database") || !document["database"].is_string()) {
    return std::nullopt;
  }
  BackupInfo info;
  info.database = document["database"].get<std::string>();
  if (document.contains("url") && document["url"].is_string()) info.url = document["url"].get<std::string>();
  if (document.contains("services") && document["services"].is_object()) {
    for (const auto& [service, head] : document["services"].items()) {
      std::optional<Version> version;
      if (head.is_string()) {
        try {
          version = std::stoll(head.get<std::string>());
        } catch (const std::exception&) {
          continue;
        }
      }
      info.services[service] = version;
    }
  }
  return info;
}

}  // namespace migrate::backup
