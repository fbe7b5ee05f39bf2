// Facts about the running process: who and where it runs, and whether a person is at it.
#pragma once

#include <optional>
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

/// Whether the runner named by `holder` (user@host:pid, as lock_holder_id makes it) still
/// runs, for a holder on this host: false when no process has its pid, or (Linux) when the
/// process with that pid started well after the lock was taken `held_for_seconds` ago (it
/// reused the pid of a holder that is gone); true otherwise. nullopt for a holder on
/// another host or not in that form: only its heartbeat can tell.
std::optional<bool> local_holder_alive(const std::string& holder, double held_for_seconds);

/// True when standard input is a terminal.
bool stdin_is_terminal();

/// Whether standard error is a terminal (progress lines are drawn there only then).
bool stderr_is_terminal();

}  // namespace migrate::util
