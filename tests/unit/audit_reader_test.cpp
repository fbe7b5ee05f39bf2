// Reading the audit log back, newest first, from its end.
#include "migrate/audit/audit_reader.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "support/temp_dir.hpp"

using migrate::audit::read_recent_events;
using migrate::test::TempDir;

namespace {

std::string event(int i, const std::string& service) {
  return "{\"ts\":\"t" + std::to_string(i) + "\",\"service\":\"" + service + "\",\"event\":\"apply\",\"detail\":\"" +
         std::string(static_cast<std::size_t>(i % 7) * 300, 'x') + "\"}";
}

}  // namespace

TEST_CASE("the audit reader returns the newest events first, across read blocks, filtered by service",
          "[serve][unit]") {
  TempDir dir;
  const auto path = dir.path() / "audit.log";
  {
    std::ofstream out(path);
    for (int i = 0; i < 2000; ++i) out << event(i, i % 3 == 0 ? "alpha" : "beta") << "\n";
    out << "{torn";  // a torn last line is skipped
  }
  const auto newest = read_recent_events(path, 5);
  REQUIRE(newest.size() == 5);
  CHECK(newest[0] == event(1999, "beta"));
  CHECK(newest[4] == event(1995, "alpha"));

  const auto alpha = read_recent_events(path, 1000, "alpha");
  REQUIRE(alpha.size() == 667);
  CHECK(alpha.front() == event(1998, "alpha"));
  CHECK(alpha.back() == event(0, "alpha"));

  CHECK(read_recent_events(path, 10, "gamma").empty());
  CHECK(read_recent_events(dir.path() / "missing.log", 10).empty());
  CHECK(read_recent_events(path, 0).empty());
}
