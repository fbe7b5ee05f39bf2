// The load client of bench/serve_load.sh: C keep-alive connections share N GET requests of
// one path; prints requests/s and latency percentiles. Built by the script, not by CMake.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s HOST PORT PATH CONNECTIONS REQUESTS [TOKEN]\n", argv[0]);
    return 2;
  }
  const std::string host = argv[1];
  const int port = std::atoi(argv[2]);
  const std::string path = argv[3];
  const int connections = std::atoi(argv[4]);
  const long requests = std::atol(argv[5]);
  const std::string token = argc > 6 ? argv[6] : "";

  using clock = std::chrono::steady_clock;
  std::atomic<long> next{0};
  std::atomic<long> errors{0};
  std::mutex mutex;
  std::vector<double> latencies_ms;
  latencies_ms.reserve(static_cast<std::size_t>(requests));

  const auto started = clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      httplib::Client client(host, port);
      client.set_keep_alive(true);
      client.set_read_timeout(30, 0);
      if (!token.empty()) client.set_bearer_token_auth(token.c_str());
      std::vector<double> mine;
      while (next.fetch_add(1) < requests) {
        const auto t0 = clock::now();
        const auto result = client.Get(path.c_str());
        const auto t1 = clock::now();
        if (!result || result->status != 200) ++errors;
        mine.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
      const std::lock_guard<std::mutex> lock(mutex);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(clock::now() - started).count();

  std::sort(latencies_ms.begin(), latencies_ms.end());
  const auto percentile = [&](double p) {
    if (latencies_ms.empty()) return 0.0;
    const auto index = static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1) + 0.5);
    return latencies_ms[index];
  };
  std::printf("requests %zu\nerrors %ld\nseconds %.3f\nrps %.0f\np50_ms %.2f\np99_ms %.2f\nmax_ms %.2f\n",
              latencies_ms.size(), errors.load(), seconds, static_cast<double>(latencies_ms.size()) / seconds,
              percentile(0.50), percentile(0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back());
  return errors.load() == 0 ? 0 : 1;
}
