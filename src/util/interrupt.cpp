// The signal handler and its registry of cancel actions. The handler touches only
// lock-free atomics, a fixed array and write(2): everything it does is async-signal-safe.
#include "migrate/util/interrupt.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "migrate/util/error.hpp"

namespace migrate::util {

namespace {

struct Slot {
  std::atomic<CancelAction> action{nullptr};
  std::atomic<void*> target{nullptr};
};

Slot g_slots[k_max_cancel_actions];
std::atomic<int> g_registered{0};
volatile sig_atomic_t g_signal = 0;
int g_pipe[2] = {-1, -1};  // written once by the first signal; read end polled by waiters
std::atomic<bool> g_installed{false};

static_assert(std::atomic<CancelAction>::is_always_lock_free && std::atomic<void*>::is_always_lock_free &&
                  std::atomic<int>::is_always_lock_free,
              "the signal handler may only use lock-free atomics");

void run_actions() noexcept {
  for (Slot& slot : g_slots) {
    const CancelAction action = slot.action.load(std::memory_order_acquire);
    void* const target = slot.target.load(std::memory_order_acquire);
    if (action != nullptr && target != nullptr) action(target);
  }
}

void record(int signal) noexcept {
  g_signal = signal;
  if (g_pipe[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_pipe[1], &byte, 1);
  }
}

extern "C" void on_signal(int signal) {
  const int saved_errno = errno;
  if (g_registered.load(std::memory_order_acquire) == 0 && g_signal == 0) {
    // Nothing to cancel or clean up: end as if there were no handler.
    ::signal(signal, SIG_DFL);
    ::raise(signal);
    errno = saved_errno;
    return;
  }
  const bool second = g_signal != 0;
  if (!second) record(signal);
  // The cancel requests go first, so that no statement keeps running after we are gone.
  run_actions();
  if (second) ::_exit(128 + signal);
  errno = saved_errno;
}

}  // namespace

void install_interrupt_handlers() {
  if (g_installed.exchange(true)) return;
  if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_pipe[0] = g_pipe[1] = -1;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking read, poll or sleep returns EINTR
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

int interrupt_signal() noexcept { return g_signal; }

const char* signal_name(int signal) noexcept { return signal == SIGTERM ? "SIGTERM" : "SIGINT"; }

void throw_if_interrupted() {
  const int signal = g_signal;
  if (signal == 0) return;
  throw Interrupted(signal, std::string("interrupted by ") + signal_name(signal));
}

int interrupt_fd() noexcept { return g_pipe[0]; }

void sleep_or_throw_if_interrupted(std::chrono::milliseconds duration) {
  throw_if_interrupted();
  const auto deadline = std::chrono::steady_clock::now() + duration;
  for (;;) {
    // Rounded up: a sleep never ends before its duration.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd fd{interrupt_fd(), POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(left.count()));  // EINTR or a readable pipe: look again
    throw_if_interrupted();
  }
  throw_if_interrupted();
}

CancelRegistration::CancelRegistration(CancelAction action, void* target) noexcept {
  for (int i = 0; i < k_max_cancel_actions; ++i) {
    CancelAction expected = nullptr;
    // Claim the slot with a placeholder-free protocol: target first, then the action.
    if (g_slots[i].target.load(std::memory_order_acquire) != nullptr) continue;
    if (!g_slots[i].action.compare_exchange_strong(expected, action, std::memory_order_acq_rel)) continue;
    g_slots[i].target.store(target, std::memory_order_release);
    m_slot = i;
    g_registered.fetch_add(1, std::memory_order_acq_rel);
    return;
  }
}

CancelRegistration::~CancelRegistration() {
  if (m_slot < 0) return;
  g_registered.fetch_sub(1, std::memory_order_acq_rel);
  g_slots[m_slot].target.store(nullptr, std::memory_order_release);
  g_slots[m_slot].action.store(nullptr, std::memory_order_release);
}

void reset_interrupt_for_tests() noexcept {
  g_signal = 0;
  if (g_pipe[0] >= 0) {
    char buffer[16];
    while (::read(g_pipe[0], buffer, sizeof buffer) > 0) {
    }
  }
}

void simulate_interrupt_for_tests(int signal) noexcept {
  record(signal);
  run_actions();
}

}  // namespace migrate::util
