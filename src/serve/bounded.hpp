// A read with a time bound: run on a thread of its own, given up on (not stopped) when late (internal).
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <thread>

namespace migrate::serve {

/// Runs `read` on a thread of its own and returns its value, or nullopt when it has not
/// ended within `bound`: it then goes on, detached, and its value is dropped, so `read`
/// must own (copy) everything it uses. Rethrows what `read` threw.
template <typename T>
std::optional<T> run_bounded(std::function<T()> read, std::chrono::milliseconds bound) {
  auto task = std::make_shared<std::packaged_task<T()>>(std::move(read));
  std::future<T> future = task->get_future();
  std::thread([task] { (*task)(); }).detach();
  if (future.wait_for(bound) != std::future_status::ready) return std::nullopt;
  return future.get();
}

}  // namespace migrate::serve
