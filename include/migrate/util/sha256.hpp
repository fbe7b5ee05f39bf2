// SHA-256 digests (GNU Nettle), as lowercase hex.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace migrate::util {

/// Incremental SHA-256. Owns its context; not copyable.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  /// Finishes the digest and returns it as 64 lowercase hex digits. Call once.
  std::string hex_digest();

 private:
  struct Context;
  std::unique_ptr<Context> m_context;
};

/// SHA-256 of data as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace migrate::util
