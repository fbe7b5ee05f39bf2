// The interrupt registry in-process: registered cancel actions run on a signal, unregistered
// ones do not, and the recorded signal becomes Interrupted with its exit code.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>

#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"

namespace migrate::util {

namespace {

// Forgets the simulated signal whatever the test does.
struct ResetInterrupt {
  ResetInterrupt() { reset_interrupt_for_tests(); }
  ~ResetInterrupt() { reset_interrupt_for_tests(); }
};

void count_call(void* counter) noexcept { ++*static_cast<int*>(counter); }

}  // namespace

TEST_CASE("A signal runs the registered cancel actions, and only those", "[unit][interrupt]") {
  ResetInterrupt reset;
  int first = 0;
  int second = 0;
  CancelRegistration kept(count_call, &first);
  {
    CancelRegistration gone(count_call, &second);
  }
  simulate_interrupt_for_tests(SIGINT);
  CHECK(first == 1);
  CHECK(second == 0);
  CHECK(interrupt_signal() == SIGINT);
}

TEST_CASE("A recorded signal becomes Interrupted with exit 130 or 143", "[unit][interrupt]") {
  ResetInterrupt reset;
  CHECK_NOTHROW(throw_if_interrupted());
  simulate_interrupt_for_tests(SIGTERM);
  try {
    throw_if_interrupted();
    FAIL("no Interrupted");
  } catch (const Interrupted& e) {
    CHECK(e.code() == ExitCode::terminated);
    CHECK(e.signal() == SIGTERM);
    CHECK(std::string(e.signal_name()) == "SIGTERM");
    CHECK(std::string(e.what()) == "interrupted by SIGTERM");
  }
  reset_interrupt_for_tests();
  simulate_interrupt_for_tests(SIGINT);
  try {
    throw_if_interrupted();
    FAIL("no Interrupted");
  } catch (const Interrupted& e) {
    CHECK(e.code() == ExitCode::interrupted);
    CHECK(static_cast<int>(e.code()) == 130);
  }
}

TEST_CASE("An interruptible sleep sleeps, or throws at once when interrupted", "[unit][interrupt]") {
  ResetInterrupt reset;
  const auto started = std::chrono::steady_clock::now();
  CHECK_NOTHROW(sleep_or_throw_if_interrupted(std::chrono::milliseconds(30)));
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(30));
  simulate_interrupt_for_tests(SIGINT);
  CHECK_THROWS_AS(sleep_or_throw_if_interrupted(std::chrono::hours(1)), Interrupted);
}

}  // namespace migrate::util
