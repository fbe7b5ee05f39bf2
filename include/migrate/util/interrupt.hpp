// SIGINT and SIGTERM as a request to stop cleanly: the statement in flight is cancelled in
// the server, the code unwinds (rolling back, releasing the lock, auditing) and exits 130/143.
#pragma once

#include <chrono>

namespace migrate::util {

/// Installs the SIGINT and SIGTERM handlers (without SA_RESTART, so blocking calls return
/// EINTR). While some cancel action is registered (an open database connection, a child
/// process), a first signal is recorded, every registered action runs (in the handler: a
/// cancel request to the server, SIGTERM to a child) and the code goes on to unwind; with
/// nothing registered, the signal ends the process as it would have without a handler.
/// A second signal runs the actions again and exits at once with 128 + its number.
/// Idempotent.
void install_interrupt_handlers();

/// The signal (SIGINT or SIGTERM) that asked this process to stop; 0 when none did.
int interrupt_signal() noexcept;

/// "SIGINT" or "SIGTERM".
const char* signal_name(int signal) noexcept;

/// Throws Interrupted when a signal asked this process to stop.
void throw_if_interrupted();

/// A descriptor that turns readable once a signal asked to stop (for poll()); -1 before
/// install_interrupt_handlers().
int interrupt_fd() noexcept;

/// Sleeps for `duration`, or less when a signal asks to stop meanwhile; then throws
/// Interrupted. For waiting loops (lock polling, `migrate wait`).
void sleep_or_throw_if_interrupted(std::chrono::milliseconds duration);

/// A cancel action: called from the signal handler, so it must be async-signal-safe
/// (PQcancel, sqlite3_interrupt, kill): no allocation, no locks, no logging.
using CancelAction = void (*)(void* target) noexcept;

/// Registers a cancel action with its target for its lifetime (RAII). At most
/// k_max_cancel_actions are registered at a time; more are not (their signals then only
/// set the flag).
class CancelRegistration {
 public:
  CancelRegistration(CancelAction action, void* target) noexcept;
  ~CancelRegistration();
  CancelRegistration(const CancelRegistration&) = delete;
  CancelRegistration& operator=(const CancelRegistration&) = delete;

 private:
  int m_slot = -1;
};

/// How many cancel actions can be registered at once.
constexpr int k_max_cancel_actions = 64;

/// Forgets a recorded signal. For tests that drive the interrupt in-process.
void reset_interrupt_for_tests() noexcept;

/// Records `signal` and runs the registered actions, as the handler does. For tests.
void simulate_interrupt_for_tests(int signal) noexcept;

}  // namespace migrate::util
