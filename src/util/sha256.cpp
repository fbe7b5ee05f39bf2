// SHA-256 through GNU Nettle: a small library with no global set-up, where OpenSSL 3's
// first digest loads its provider machinery (about 3.4 MiB resident and a millisecond of
// start-up on every command, most of which hash nothing but the cache's header).
#include "migrate/util/sha256.hpp"

#include <nettle/sha2.h>

#include <array>

namespace migrate::util {

struct Sha256::Context {
  sha256_ctx ctx{};
};

Sha256::Sha256() : m_context(std::make_unique<Context>()) { sha256_init(&m_context->ctx); }

Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) {
  sha256_update(&m_context->ctx, data.size(), reinterpret_cast<const std::uint8_t*>(data.data()));
}

std::string Sha256::hex_digest() {
  std::array<std::uint8_t, SHA256_DIGEST_SIZE> digest{};
  sha256_digest(&m_context->ctx, digest.size(), digest.data());
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (const std::uint8_t byte : digest) {
    out.push_back(k_hex[byte >> 4]);
    out.push_back(k_hex[byte & 0x0f]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 hasher;
  hasher.update(data);
  return hasher.hex_digest();
}

}  // namespace migrate::util
