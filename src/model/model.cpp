// Formatting of model values.
#include <cstdio>

#include "migrate/model/dialect.hpp"
#include "migrate/model/revision.hpp"

namespace migrate {

std::string_view to_string(Dialect dialect) noexcept {
  return dialect == Dialect::postgres ? "postgres" : "sqlite";
}

std::string_view to_string(RevisionKind kind) noexcept {
  return kind == RevisionKind::sql ? "sql" : "cpp";
}

std::string format_version(Version version) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04lld", static_cast<long long>(version));
  return buffer;
}

std::string Revision::label() const { return format_version(version) + "_" + name; }

}  // namespace migrate
