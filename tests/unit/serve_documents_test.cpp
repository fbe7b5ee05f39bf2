// The serve layer's pure pieces: --listen parsing, times for /metrics, HTML escaping.
#include <catch2/catch.hpp>

#include "migrate/serve/server.hpp"
#include "migrate/util/error.hpp"
#include "serve/documents.hpp"
#include "serve/page.hpp"

using namespace migrate::serve;

TEST_CASE("serve --listen takes host:port and knows loopback addresses", "[serve][unit]") {
  const ListenAddress v4 = parse_listen_address("127.0.0.1:8080");
  CHECK(v4.host == "127.0.0.1");
  CHECK(v4.port == 8080);
  CHECK(v4.loopback);
  CHECK(parse_listen_address(":9000").host == "127.0.0.1");
  CHECK(parse_listen_address("[::1]:0").host == "::1");
  CHECK(parse_listen_address("[::1]:0").loopback);
  CHECK(parse_listen_address("localhost:1").loopback);
  CHECK_FALSE(parse_listen_address("0.0.0.0:8080").loopback);
  CHECK_FALSE(parse_listen_address("192.168.1.5:8080").loopback);
  for (const char* bad : {"8080", "host:", "host:http", "1.2.3.4:65536", "::1:80", "h:123456"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_listen_address(bad), migrate::UsageError);
  }
}

TEST_CASE("applied times become Unix seconds for /metrics", "[serve][unit]") {
  CHECK(epoch_seconds("1970-01-01T00:00:10Z") == 10.0);
  CHECK(epoch_seconds("2026-12-07T16:49:13.410Z") == Approx(1796662153.41));
  CHECK(epoch_seconds("2026-12-07 16:49:13") == 1796662153.0);
  CHECK(epoch_seconds("") < 0);
  CHECK(epoch_seconds("yesterday") < 0);
}

TEST_CASE("the page escapes every text it shows", "[serve][unit]") {
  CHECK(html_escape("<script>\"a\" & 'b'</script>") == "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
}
