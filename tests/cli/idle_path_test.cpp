// The idle path: a SQLite run never loads libpq (the PostgreSQL driver is a module loaded
// on the first PostgreSQL URL), a missing module is named, `verify` trusts no checksum
// cache, and an edit that keeps a file's size and second is still drift.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli_fixtures.hpp"
#include "migrate/source/checksum_cache.hpp"
#include "migrate/util/sha256.hpp"

namespace fs = std::filesystem;
using migrate::Dialect;
using namespace migrate::test;

namespace {

// The dynamic loader's list of the objects the run loaded (LD_DEBUG=files, on stderr).
CliResult run_tracing_loads(const CliProject& project, const std::vector<std::string>& args, const TestDatabase& db) {
  CliOptions options;
  options.env["LD_DEBUG"] = "files";
  return project.run(args, &db, options);
}

// Every revision file of the project last written an hour ago, and settled past the
// checksum cache's window for a file changed just now.
void age_revision_files(const CliProject& project) {
  for (const fs::directory_entry& entry : fs::directory_iterator(project.migrations())) {
    fs::last_write_time(entry.path(), fs::file_time_type::clock::now() - std::chrono::hours(1));
  }
  std::this_thread::sleep_for(std::chrono::nanoseconds(migrate::source::ChecksumCache::k_racy_window_ns) +
                              std::chrono::milliseconds(50));
}

fs::path cache_file(const CliProject& project) { return project.dir() / ".migrate-cache" / "checksums"; }

void overwrite(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
}

// Replaces checksum `real` by `forged` in a cache file, closing it with a digest that matches.
void forge_checksum(const fs::path& file, const std::string& real, const std::string& forged) {
  std::string text = slurp(file);
  const std::size_t end = text.rfind("end\t");
  REQUIRE(end != std::string::npos);
  std::string body = text.substr(0, end);
  const std::size_t at = body.find(real);
  REQUIRE(at != std::string::npos);
  body.replace(at, real.size(), forged);
  const std::string count = text.substr(end + 4, text.find('\t', end + 4) - (end + 4));
  overwrite(file, body + "end\t" + count + "\t" + migrate::util::sha256_hex(body) + "\n");
}

}  // namespace

TEST_CASE("a SQLite run never loads libpq; a PostgreSQL run loads the driver module", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  for (const std::vector<std::string>& args : {std::vector<std::string>{"up", "--yes"}, {"status"}, {"verify"}}) {
    const CliResult result = run_tracing_loads(project, args, *db);
    CHECK_EXIT(result, 0);
    const bool sqlite = dialect == Dialect::sqlite;
    CHECK(contains(result.err, "libpq.so") == !sqlite);
    CHECK(contains(result.err, "libpqxx") == !sqlite);
    CHECK(contains(result.err, "libmigrate_pg.so") == !sqlite);
    CHECK(contains(result.err, "libgssapi") == !sqlite);
  }
}

TEST_CASE("without the PostgreSQL driver module, a PostgreSQL URL is refused naming it; SQLite runs", "[cli]") {
  TempDir bin;
  const fs::path alone = bin.path() / "migrate";
  fs::copy_file(MIGRATE_BINARY, alone);
  fs::permissions(alone, fs::perms::owner_all, fs::perm_options::add);
  CliProject project;
  project.add_table(1, "alpha");

  const auto postgres = make_test_database(Dialect::postgres);
  const CliResult refused = run_child({alone.string(), "--config", project.config().string(), "--database-url",
                                       postgres->url(), "status"});
  CHECK_EXIT(refused, 2);
  CHECK(contains(refused.err, "cannot load the PostgreSQL driver libmigrate_pg.so"));
  CHECK(contains(refused.err, (bin.path() / "libmigrate_pg.so").string()));
  check_no_password(refused, postgres->url());

  const auto sqlite = make_test_database(Dialect::sqlite);
  const CliResult ran = run_child({alone.string(), "--config", project.config().string(), "--database-url",
                                   sqlite->url(), "up", "--yes"});
  CHECK_EXIT(ran, 0);
  CHECK(sqlite->user_tables() == std::vector<std::string>{"alpha"});
}

TEST_CASE("verify reads and hashes every file whatever the checksum cache says", "[cli]") {
  const auto db = make_test_database(Dialect::sqlite);
  CliProject project;
  project.add_table(1, "alpha");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  age_revision_files(project);
  REQUIRE_EXIT(project.run({"status"}, db.get()), 0);
  REQUIRE(fs::exists(cache_file(project)));
  CHECK(fs::exists(project.dir() / ".migrate-cache" / ".gitignore"));

  // A cache that lies about an unchanged file (its digest made to match).
  const std::string real = migrate::util::sha256_hex(slurp(project.migrations() / "0001_create_alpha.up.sql"));
  forge_checksum(cache_file(project), real, migrate::util::sha256_hex("forged"));
  // status believes it (the file's stamp is the cached one) ...
  const CliResult status = project.run({"status"}, db.get());
  CHECK_EXIT(status, 0);
  CHECK(contains(status.out, "drift"));
  // ... verify does not.
  CHECK_EXIT(project.run({"verify"}, db.get()), 0);
}

TEST_CASE("an applied file edited to the same size within the same second is drift, cache or not", "[cli]") {
  const Dialect dialect = GENERATE(Dialect::sqlite, Dialect::postgres);
  INFO("dialect: " << migrate::to_string(dialect));
  const auto db = make_test_database(dialect);
  CliProject project;
  project.add_table(1, "alpha");
  REQUIRE_EXIT(project.run({"up", "--yes"}, db.get()), 0);
  age_revision_files(project);
  REQUIRE_EXIT(project.run({"status"}, db.get()), 0);  // the cache now knows every file

  const fs::path up = project.migrations() / "0001_create_alpha.up.sql";
  const std::string before = slurp(up);
  const fs::file_time_type mtime = fs::last_write_time(up);
  std::string edited = before;
  const std::size_t at = edited.find("alpha");
  REQUIRE(at != std::string::npos);
  edited.replace(at, 5, "omega");
  overwrite(up, edited);
  fs::last_write_time(up, mtime);  // the same mtime, to the nanosecond, and the same size
  REQUIRE(fs::file_size(up) == before.size());

  project.add_table(2, "beta");
  const DatabaseState state = capture(*db);
  const CliResult refused = project.run({"up", "--yes"}, db.get());
  CHECK_EXIT(refused, 4);
  CHECK(contains(refused.err, "0001_create_alpha"));
  CHECK(capture(*db) == state);
  CHECK(contains(project.run({"status"}, db.get()).out, "drift"));
  CHECK_EXIT(project.run({"verify"}, db.get()), 4);
}

TEST_CASE("a bad folder is reported at once even when the PostgreSQL host never answers", "[cli]") {
  // A listener that accepts connections (the kernel completes them) and never says a word:
  // libpq would wait for the server's first message for as long as connect_timeout allows.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 16) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const std::string url = "postgresql://nobody:secret@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/silent";

  CliProject project;
  project.add_table(1, "alpha");
  project.write("0002_Bad Name.up.sql", "SELECT 1;\n");
  const auto started = std::chrono::steady_clock::now();
  CliOptions options;
  options.timeout = std::chrono::seconds(60);
  const CliResult result = project.run({"status", "--database-url", url}, options);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
  ::close(listener);
  CHECK_EXIT(result, 2);
  CHECK(contains(result.err, "Bad Name"));
  CHECK(seconds < 20);  // "at once": a bounded wait (3 s), far below any connect timeout
}
