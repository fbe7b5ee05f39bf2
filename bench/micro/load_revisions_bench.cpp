// Loading a migrations folder of 5,000 files (2,500 revisions, each an up and a down file):
// the listing, name parsing, reading, UTF-8 and directive checks and checksums that every
// command pays before it touches a database.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "migrate/source/revision_directory.hpp"

namespace {

namespace fs = std::filesystem;

class MigrationsFolder {
 public:
  explicit MigrationsFolder(int revisions)
      : m_dir(fs::temp_directory_path() / ("migrate_micro_revisions_" + std::to_string(::getpid()))) {
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
    char stem[32];
    for (int i = 1; i <= revisions; ++i) {
      std::snprintf(stem, sizeof stem, "%04d_t_%d", i, i);
      const std::string table = "t_" + std::to_string(i);
      std::ofstream(m_dir / (std::string(stem) + ".up.sql"))
          << "CREATE TABLE " << table << " (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, "
          << "payload jsonb, created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX " << table << "_name ON "
          << table << " (name);\nINSERT INTO " << table << " (name, payload) VALUES ('a', '{}'), ('b', '{}');\n";
      std::ofstream(m_dir / (std::string(stem) + ".down.sql")) << "DROP TABLE " << table << ";\n";
    }
  }
  ~MigrationsFolder() {
    std::error_code ignored;
    fs::remove_all(m_dir, ignored);
  }
  const fs::path& dir() const { return m_dir; }

 private:
  fs::path m_dir;
};

void BM_load_revisions_5000_files(benchmark::State& state) {
  static const MigrationsFolder folder(2500);
  for (auto _ : state) {
    const auto revisions = migrate::source::load_revisions(folder.dir(), migrate::Dialect::postgres, "bench", {});
    benchmark::DoNotOptimize(revisions.data());
  }
  state.counters["files"] = benchmark::Counter(5000.0 * static_cast<double>(state.iterations()),
                                               benchmark::Counter::kIsRate);
}
BENCHMARK(BM_load_revisions_5000_files)->Unit(benchmark::kMillisecond);

}  // namespace
