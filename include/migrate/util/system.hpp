// Facts about the running process: who and where it runs, and whether a person is at it.
#pragma once

#include <string>

namespace migrate::util {

/// The effective user's login name.
std::string user_name();

/// This machine's host name.
std::string host_name();

/// "user@host" of the current process.
std::string user_at_host();

/// "user@host:pid" of the current process, as recorded in migration_lock.
std::string lock_holder_id();

/// True when standard input is a terminal.
bool stdin_is_terminal();

}  // namespace migrate::util
