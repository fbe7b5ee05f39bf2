// Checksumming a 10 MB revision file as load_revisions does it: read it whole, SHA-256 it.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "migrate/util/file_io.hpp"
#include "migrate/util/sha256.hpp"

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kFileBytes = 10u << 20;

// A 10 MB file of SQL text in the temp folder, removed when the process ends.
class BigFile {
 public:
  BigFile() : m_path(fs::temp_directory_path() / ("migrate_micro_sha256_" + std::to_string(::getpid()) + ".sql")) {
    std::ofstream out(m_path, std::ios::binary);
    std::string line;
    for (std::size_t i = 0; out.tellp() < static_cast<std::streamoff>(kFileBytes); ++i) {
      line = "INSERT INTO t (id, name) VALUES (" + std::to_string(i) + ", 'row " + std::to_string(i) + "');\n";
      out << line;
    }
  }
  ~BigFile() {
    std::error_code ignored;
    fs::remove(m_path, ignored);
  }
  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

void BM_sha256_in_memory_10MB(benchmark::State& state) {
  const std::string data(kFileBytes, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(migrate::util::sha256_hex(data));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_sha256_in_memory_10MB)->Unit(benchmark::kMillisecond);

// A typical revision: a few hundred bytes, checksummed once per revision per command.
void BM_sha256_small_revision(benchmark::State& state) {
  const std::string data(400, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(migrate::util::sha256_hex(data));
}
BENCHMARK(BM_sha256_small_revision);

void BM_sha256_file_10MB(benchmark::State& state) {
  static const BigFile file;
  const auto bytes = fs::file_size(file.path());
  for (auto _ : state) {
    const std::string content = migrate::util::read_file(file.path());
    benchmark::DoNotOptimize(migrate::util::sha256_hex(content));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_sha256_file_10MB)->Unit(benchmark::kMillisecond);

}  // namespace
