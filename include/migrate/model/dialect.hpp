// The SQL dialects migrate drives.
#pragma once

#include <string_view>

namespace migrate {

enum class Dialect { postgres, sqlite };

/// "postgres" or "sqlite", as used in file-name variants and messages.
std::string_view to_string(Dialect dialect) noexcept;

}  // namespace migrate
