// Failures as values, and counts over a run report.
#include "migrate/model/run_report.hpp"

#include <exception>

namespace migrate {

Failure current_failure() {
  try {
    throw;
  } catch (const Error& e) {
    Failure failure{e.code(), e.what(), {}};
    // 128 + the signal number, as a shell reports a process killed by it.
    const int code = static_cast<int>(e.code());
    if (code == 130) failure.signal = "SIGINT";
    if (code == 143) failure.signal = "SIGTERM";
    return failure;
  } catch (const std::exception& e) {
    return {ExitCode::failed, std::string("internal error: ") + e.what(), {}};
  }
}

std::size_t RunReport::committed() const {
  std::size_t count = 0;
  for (const ServiceReport& service : services) count += service.committed.size();
  return count;
}

}  // namespace migrate
