// SHA-256 through the EVP interface (the low-level SHA256_* calls are deprecated in OpenSSL 3).
#include "migrate/util/sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace migrate::util {

struct Sha256::Context {
  EVP_MD_CTX* ctx = nullptr;
  ~Context() { EVP_MD_CTX_free(ctx); }
};

namespace {

// OpenSSL 3 looks an algorithm up by name, under locks, every time EVP_sha256() is passed
// to an init call: fetch it once for the process (a few hundred revisions per command).
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm;
}

}  // namespace

Sha256::Sha256() : m_context(std::make_unique<Context>()) {
  m_context->ctx = EVP_MD_CTX_new();
  const EVP_MD* algorithm = sha256_algorithm();
  if (m_context->ctx == nullptr || algorithm == nullptr ||
      EVP_DigestInit_ex2(m_context->ctx, algorithm, nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not initialise SHA-256");
  }
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) {
  if (EVP_DigestUpdate(m_context->ctx, data.data(), data.size()) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 update failed");
  }
}

std::string Sha256::hex_digest() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(m_context->ctx, digest.data(), &length) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 final failed");
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(k_hex[digest[i] >> 4]);
    out.push_back(k_hex[digest[i] & 0x0f]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 hasher;
  hasher.update(data);
  return hasher.hex_digest();
}

}  // namespace migrate::util
