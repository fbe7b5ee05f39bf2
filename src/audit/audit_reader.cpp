// The newest lines of the audit log, read backwards in blocks from its end.
#include "migrate/audit/audit_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "migrate/util/error.hpp"

namespace migrate::audit {

namespace {

constexpr std::size_t k_block = 64 * 1024;

// Whether line is a whole event of the wanted service.
bool wanted(const std::string& line, const std::string& service) {
  const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
  if (!event.is_object()) return false;
  if (service.empty()) return true;
  const auto it = event.find("service");
  return it != event.end() && it->is_string() && it->get<std::string>() == service;
}

class Descriptor {
 public:
  explicit Descriptor(int fd) : m_fd(fd) {}
  ~Descriptor() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return m_fd; }

 private:
  int m_fd;
};

}  // namespace

std::vector<std::string> read_recent_events(const std::filesystem::path& path, std::size_t limit,
                                            const std::string& service) {
  std::vector<std::string> events;
  if (limit == 0) return events;
  const Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return events;
    throw Error(ExitCode::failed, "cannot read the audit log " + path.string() + ": " + std::strerror(errno));
  }
  off_t end = ::lseek(fd.get(), 0, SEEK_END);
  if (end < 0)
    throw Error(ExitCode::failed, "cannot read the audit log " + path.string() + ": " + std::strerror(errno));
  std::string tail;  // the start of a line whose beginning lies in an earlier block
  while (end > 0 && events.size() < limit) {
    const std::size_t size = static_cast<std::size_t>(std::min<off_t>(end, static_cast<off_t>(k_block)));
    std::string block(size, '\0');
    const off_t start = end - static_cast<off_t>(size);
    const ssize_t got = ::pread(fd.get(), block.data(), size, start);
    if (got != static_cast<ssize_t>(size)) {
      throw Error(ExitCode::failed, "cannot read the audit log " + path.string());
    }
    tail = block + tail;
    end = start;
    // Every line after the first newline is whole; the part before it may go on backwards.
    std::size_t stop = tail.size();
    for (;;) {
      const std::size_t newline = stop == 0 ? std::string::npos : tail.rfind('\n', stop - 1);
      const bool at_file_start = newline == std::string::npos && end == 0;
      if (newline == std::string::npos && !at_file_start) break;
      const std::size_t from = newline == std::string::npos ? 0 : newline + 1;
      const std::string line = tail.substr(from, stop - from);
      if (!line.empty() && wanted(line, service)) {
        events.push_back(line);
        if (events.size() == limit) return events;
      }
      if (newline == std::string::npos) break;
      stop = newline;
    }
    tail.resize(stop);
  }
  return events;
}

}  // namespace migrate::audit
