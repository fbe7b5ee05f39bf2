// serve(): loads the HTTP server module (serve/http_module.hpp) and hands over to it.
#include <cstring>
#include <stdexcept>

#include "migrate/serve/server.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/shared_library.hpp"
#include "serve/http_module.hpp"

namespace migrate::serve {

void serve(const ServeOptions& options, const std::function<void(const std::string& url)>& listening) {
  const HttpModule* module = nullptr;
  try {
    const util::SharedLibrary library = util::load_module(k_http_module_file);
    module = static_cast<const HttpModule*>(library.symbol(k_http_module_symbol));
    if (module->abi != k_http_module_abi || std::strcmp(module->version, MIGRATE_VERSION) != 0) {
      throw std::runtime_error(library.path() + " is from another build of migrate (version " +
                               std::string(module->version) + ")");
    }
  } catch (const std::runtime_error& e) {
    throw UsageError(std::string("cannot load the HTTP server ") + k_http_module_file +
                     " (it is built beside the migrate binary; install it there or in ../lib/migrate/): " + e.what());
  }
  module->serve(options, listening);
}

}  // namespace migrate::serve
