// SHA-256 digests: known vectors and incremental hashing.
#include <catch2/catch.hpp>

#include <string>

#include "migrate/util/sha256.hpp"

using migrate::util::Sha256;
using migrate::util::sha256_hex;

TEST_CASE("sha256_hex matches the published test vectors", "[unit]") {
  struct Case {
    std::string input;
    std::string digest;
  };
  const Case cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const Case& c : cases) {
    INFO("input of " << c.input.size() << " bytes");
    CHECK(sha256_hex(c.input) == c.digest);
  }
}

TEST_CASE("a digest is 64 lowercase hex digits", "[unit]") {
  const std::string digest = sha256_hex("CREATE TABLE t (id INTEGER);\n");
  REQUIRE(digest.size() == 64);
  CHECK(digest.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("hashing in pieces gives the same digest as hashing at once", "[unit]") {
  const std::string text = "CREATE TABLE tickets (id BIGINT PRIMARY KEY, title TEXT NOT NULL);\n"
                           "CREATE INDEX tickets_title ON tickets (title);\n";
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{64}, text.size()}) {
    INFO("piece size " << piece);
    Sha256 hasher;
    for (std::size_t pos = 0; pos < text.size(); pos += piece) hasher.update(std::string_view(text).substr(pos, piece));
    CHECK(hasher.hex_digest() == sha256_hex(text));
  }
}

TEST_CASE("an incremental hash of nothing equals the digest of the empty string", "[unit]") {
  Sha256 hasher;
  hasher.update("");
  CHECK(hasher.hex_digest() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("different inputs give different digests", "[unit]") {
  CHECK(sha256_hex("SELECT 1;\n") != sha256_hex("SELECT 1;\r\n"));
  CHECK(sha256_hex("a") != sha256_hex("b"));
}
