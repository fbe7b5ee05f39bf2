// Process identity through POSIX calls.
#include "migrate/util/system.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

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

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

}  // namespace migrate::util
