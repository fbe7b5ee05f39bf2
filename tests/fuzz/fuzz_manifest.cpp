// libFuzzer target: the manifest loader (toml++ parsing, then validation). Properties: no
// crash, and every rejection is a migrate ConfigError (exit 2), never another exception.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "migrate/config/manifest.hpp"
#include "migrate/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const migrate::config::Manifest manifest = migrate::config::parse_manifest(text, "/fuzz/migrate.toml");
    for (const auto& service : manifest.services) {
      if (service.name.empty()) std::abort();
    }
  } catch (const migrate::ConfigError&) {
    // The expected answer to a bad manifest.
  } catch (...) {
    std::abort();  // anything else would reach the user as an internal error
  }
  return 0;
}
