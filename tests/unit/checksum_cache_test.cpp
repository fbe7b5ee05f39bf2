// The checksum cache: an unchanged file is taken from it, any change to a file's stamp
// (same size, same second included) reads the file again, a corrupt cache or another
// version's is ignored, and a deferred script whose file changed is refused.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "migrate/source/checksum_cache.hpp"
#include "migrate/source/revision_directory.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/sha256.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using migrate::Dialect;
using migrate::Revision;
using migrate::source::ChecksumCache;
using migrate::source::LoadOptions;
using migrate::util::sha256_hex;

namespace {

constexpr const char* k_up = "CREATE TABLE alpha (id INTEGER PRIMARY KEY);\n";
constexpr const char* k_same_size = "CREATE TABLE gamma (id INTEGER PRIMARY KEY);\n";

// A project folder with one revision whose files were last written an hour ago (mtime),
// and whose last status change is old enough for the cache to take it.
class Folder {
 public:
  Folder() {
    m_up = m_dir.write("migrations/0001_alpha.up.sql", k_up);
    m_down = m_dir.write("migrations/0001_alpha.down.sql", "DROP TABLE alpha;\n");
    age(m_up);
    age(m_down);
    settle();
  }
  fs::path migrations() const { return m_dir.path() / "migrations"; }
  fs::path cache_file() const { return m_dir.path() / ".migrate-cache" / "checksums"; }
  const fs::path& up() const { return m_up; }

  // Loads with a cache read from cache_file() now, saved after.
  std::vector<Revision> load(bool keep_text = true) const {
    ChecksumCache cache(cache_file());
    LoadOptions options;
    options.cache = &cache;
    options.keep_text = keep_text;
    std::vector<Revision> revisions = migrate::source::load_revisions(migrations(), Dialect::sqlite, {}, {}, options);
    cache.save();
    return revisions;
  }

  static void age(const fs::path& file) {
    fs::last_write_time(file, fs::file_time_type::clock::now() - std::chrono::hours(1));
  }
  // Past the cache's window for a file changed just now (its ctime).
  static void settle() {
    std::this_thread::sleep_for(std::chrono::nanoseconds(ChecksumCache::k_racy_window_ns) +
                                std::chrono::milliseconds(50));
  }

 private:
  migrate::test::TempDir m_dir;
  fs::path m_up;
  fs::path m_down;
};

// Taken from the cache: the script is deferred (no text) although keep_text asked for it.
bool from_cache(const Revision& revision) { return revision.up.deferred && revision.up.sql.empty(); }

void overwrite(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);  // same inode
  out << content;
}

// Rewrites the cache file's body with edit applied, closing it with a correct digest.
void rewrite_cache(const fs::path& file, const std::function<std::string(std::string)>& edit) {
  std::string text = migrate::test::slurp(file);
  const std::size_t end = text.rfind("end\t");
  REQUIRE(end != std::string::npos);
  std::string body = edit(text.substr(0, end));
  const std::size_t lines = static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n')) - 1;
  overwrite(file, body + "end\t" + std::to_string(lines) + "\t" + sha256_hex(body) + "\n");
}

}  // namespace

TEST_CASE("checksum cache: an unchanged file is taken from the cache, with its checksum and directives", "[unit]") {
  Folder folder;
  const std::vector<Revision> first = folder.load();
  REQUIRE(first.size() == 1);
  CHECK_FALSE(from_cache(first[0]));
  CHECK(first[0].up.sql == k_up);
  REQUIRE(fs::exists(folder.cache_file()));
  CHECK(fs::exists(folder.cache_file().parent_path() / ".gitignore"));

  const std::vector<Revision> second = folder.load();
  REQUIRE(second.size() == 1);
  CHECK(from_cache(second[0]));
  CHECK(second[0].checksum == first[0].checksum);
  CHECK(second[0].checksum == sha256_hex(k_up));
  CHECK(second[0].no_op == first[0].no_op);
  REQUIRE(second[0].down);
  CHECK(second[0].down->checksum == sha256_hex("DROP TABLE alpha;\n"));
  // The runner reads the text when it runs, checked against the cached checksum.
  CHECK(migrate::source::read_script_text(second[0].up) == k_up);
}

TEST_CASE("checksum cache: a file edited within the same second, to the same size, is read again", "[unit]") {
  Folder folder;
  folder.load();
  REQUIRE(from_cache(folder.load()[0]));
  const fs::file_time_type cached_mtime = fs::last_write_time(folder.up());

  SECTION("mtime moved by nanoseconds within its second") {
    overwrite(folder.up(), k_same_size);
    fs::last_write_time(folder.up(), cached_mtime + std::chrono::nanoseconds(1));
  }
  SECTION("mtime put back exactly as it was (only the ctime tells)") {
    overwrite(folder.up(), k_same_size);
    fs::last_write_time(folder.up(), cached_mtime);
  }
  REQUIRE(fs::file_size(folder.up()) == std::string(k_up).size());

  const std::vector<Revision> loaded = folder.load();
  CHECK_FALSE(from_cache(loaded[0]));
  CHECK(loaded[0].checksum == sha256_hex(k_same_size));
  CHECK(loaded[0].up.sql == k_same_size);
}

TEST_CASE("checksum cache: a file just written is not cached until its timestamp tick is over", "[unit]") {
  migrate::test::TempDir dir;
  dir.write("migrations/0001_alpha.up.sql", k_up);
  ChecksumCache cache(dir.path() / "checksums");
  LoadOptions options;
  options.cache = &cache;
  migrate::source::load_revisions(dir.path() / "migrations", Dialect::sqlite, {}, {}, options);
  CHECK(cache.size() == 0);
}

TEST_CASE("checksum cache: a corrupt cache file, or another version's, is ignored", "[unit]") {
  Folder folder;
  folder.load();
  REQUIRE(from_cache(folder.load()[0]));
  const std::string wrong = sha256_hex("not the file");

  SECTION("garbage") { overwrite(folder.cache_file(), "\x01\x02 not a cache\n"); }
  SECTION("truncated") {
    const std::string text = migrate::test::slurp(folder.cache_file());
    overwrite(folder.cache_file(), text.substr(0, text.size() / 2));
  }
  SECTION("an entry's checksum changed without its digest") {
    std::string text = migrate::test::slurp(folder.cache_file());
    const std::size_t at = text.find(sha256_hex(k_up));
    REQUIRE(at != std::string::npos);
    text.replace(at, 64, wrong);
    overwrite(folder.cache_file(), text);
  }
  SECTION("another version's header, with a correct digest") {
    rewrite_cache(folder.cache_file(), [&](std::string body) {
      const std::size_t eol = body.find('\n');
      std::string forged = "migrate checksum cache 1 0.0.1 0:0:0" + body.substr(eol);
      const std::size_t at = forged.find(sha256_hex(k_up));
      forged.replace(at, 64, wrong);  // were it trusted, the checksum would be wrong
      return forged;
    });
  }
  SECTION("an empty file") { overwrite(folder.cache_file(), ""); }

  const std::vector<Revision> loaded = folder.load();
  CHECK_FALSE(from_cache(loaded[0]));
  CHECK(loaded[0].checksum == sha256_hex(k_up));
  // The next run has a good cache again.
  CHECK(from_cache(folder.load()[0]));
}

TEST_CASE("checksum cache: without a cache every file is read and hashed, whatever the cache says", "[unit]") {
  Folder folder;
  folder.load();
  rewrite_cache(folder.cache_file(), [&](std::string body) {
    const std::size_t at = body.find(sha256_hex(k_up));
    body.replace(at, 64, sha256_hex("forged"));
    return body;
  });
  REQUIRE(folder.load()[0].checksum == sha256_hex("forged"));  // a forged cache is believed...
  const std::vector<Revision> fresh = migrate::source::load_revisions(folder.migrations(), Dialect::sqlite, {}, {});
  CHECK(fresh[0].checksum == sha256_hex(k_up));  // ...but not by a load without one (verify)
}

TEST_CASE("a deferred script whose file changed after loading is refused when read to run", "[unit]") {
  Folder folder;
  const std::vector<Revision> loaded = folder.load(false);
  REQUIRE(loaded[0].up.deferred);
  CHECK(loaded[0].up.sql.empty());
  CHECK(migrate::source::read_script_text(loaded[0].up) == k_up);

  overwrite(folder.up(), k_same_size);
  try {
    migrate::source::read_script_text(loaded[0].up);
    FAIL("a changed file was read to run");
  } catch (const migrate::BlockedError& e) {
    CHECK_THAT(e.what(), Catch::Contains("0001_alpha.up.sql") && Catch::Contains("changed after migrate checked"));
  }
  fs::remove(folder.up());
  CHECK_THROWS_AS(migrate::source::read_script_text(loaded[0].up), migrate::BlockedError);
}
