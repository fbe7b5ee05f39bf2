// libFuzzer target: the revision file-name grammar. Properties: no crash; a name that
// parses is written back from its parts to the very same name (one spelling per file).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "migrate/source/revision_file_name.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

std::string spell(const migrate::source::RevisionFileName& parsed, std::string_view original) {
  using migrate::source::FileRole;
  // The version's digits as written (leading zeros are its spelling).
  const std::string digits(original.substr(0, original.find('_')));
  check(std::stoll(digits) == parsed.version);
  check(!digits.empty() && digits.size() <= 18);
  std::string name = digits + "_" + parsed.name;
  if (parsed.role == FileRole::step) return name + ".cpp";
  name += parsed.role == FileRole::up ? ".up" : ".down";
  if (parsed.variant) name += "." + std::string(migrate::to_string(*parsed.variant));
  return name + ".sql";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view name(reinterpret_cast<const char*>(data), size);
  const auto parsed = migrate::source::parse_revision_file_name(name);
  if (parsed) {
    check(parsed->version >= 0);
    check(!parsed->name.empty());
    check(migrate::source::looks_like_revision_file(name));
    check(spell(*parsed, name) == name);
  }
  return 0;
}
