// Process identity through POSIX calls.
#include "migrate/util/system.hpp"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace migrate::util {

std::string user_name() {
  if (const passwd* entry = ::getpwuid(::geteuid()); entry != nullptr && entry->pw_name != nullptr) {
    return entry->pw_name;
  }
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') return user;
  return "uid" + std::to_string(::geteuid());
}

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "localhost";
  return buffer;
}

std::string user_at_host() { return user_name() + "@" + host_name(); }

std::string lock_holder_id() { return user_at_host() + ":" + std::to_string(::getpid()); }

namespace {

// A clock step between taking the lock and now must never make a live holder look
// younger than its lock: be generous, a pid reused within this time still counts as alive.
constexpr double k_pid_reuse_slack_seconds = 60.0;

// What /proc tells of a process that exists (Linux only).
struct ProcessFacts {
  bool zombie = false;       ///< exited, not yet reaped by its parent
  double age_seconds = 0;    ///< since it started
};

std::optional<ProcessFacts> process_facts(pid_t pid) {
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::ifstream uptime_file("/proc/uptime");
  std::string stat;
  double uptime = 0;
  if (!std::getline(stat_file, stat) || !(uptime_file >> uptime)) return std::nullopt;
  // Fields after the command name, which may itself hold ") ": state is field 3,
  // starttime (clock ticks after boot) field 22.
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string state;
  std::string field;
  fields >> state;
  for (int number = 4; number < 22; ++number) fields >> field;
  unsigned long long start_ticks = 0;
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  if (!(fields >> start_ticks) || ticks_per_second <= 0) return std::nullopt;
  return ProcessFacts{state == "Z", uptime - static_cast<double>(start_ticks) / static_cast<double>(ticks_per_second)};
}

}  // namespace

std::optional<bool> local_holder_alive(const std::string& holder, double held_for_seconds) {
  const std::size_t colon = holder.rfind(':');
  const std::size_t at = colon == std::string::npos ? std::string::npos : holder.rfind('@', colon);
  if (at == std::string::npos || holder.substr(at + 1, colon - at - 1) != host_name()) return std::nullopt;
  const std::string digits = holder.substr(colon + 1);
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const auto pid = static_cast<pid_t>(std::stol(digits));
  if (pid <= 0) return std::nullopt;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;  // EPERM: alive, another user's
  const std::optional<ProcessFacts> facts = process_facts(pid);
  if (facts && (facts->zombie || facts->age_seconds + k_pid_reuse_slack_seconds < held_for_seconds)) return false;
  return true;
}

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace migrate::util
