// Loads libpq.so.5 on first use and takes the functions config/ needs from it.
#include "config/libpq_api.hpp"

#include <mutex>
#include <stdexcept>

#include "migrate/util/error.hpp"
#include "migrate/util/shared_library.hpp"

namespace migrate::config {

namespace {

template <typename Function>
Function take(const util::SharedLibrary& library, const char* name) {
  return reinterpret_cast<Function>(library.symbol(name));
}

LibpqApi load_libpq() {
  try {
    const util::SharedLibrary library = util::SharedLibrary::load({"libpq.so.5"});
    return {take<decltype(&PQconninfoParse)>(library, "PQconninfoParse"),
            take<decltype(&PQconndefaults)>(library, "PQconndefaults"),
            take<decltype(&PQconninfoFree)>(library, "PQconninfoFree"),
            take<decltype(&PQfreemem)>(library, "PQfreemem")};
  } catch (const std::runtime_error& e) {
    throw UsageError(std::string("PostgreSQL URLs need libpq, which cannot be loaded (install libpq5); ") + e.what());
  }
}

}  // namespace

const LibpqApi& libpq() {
  static const LibpqApi api = load_libpq();
  return api;
}

}  // namespace migrate::config
