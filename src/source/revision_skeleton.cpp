// The skeleton of a new SQL revision, kept in one place for `migrate new` and for loading.
#include "migrate/source/revision_skeleton.hpp"

#include "migrate/util/text.hpp"

namespace migrate::source {

namespace {

constexpr std::string_view k_comment = "-- ";
constexpr std::string_view k_up_ending = ": write the change here.";
constexpr std::string_view k_down_ending = ": undo exactly what the up file does.";

}  // namespace

std::string revision_skeleton(FileRole role, std::string_view service, std::string_view stem) {
  return std::string(k_comment) + std::string(service) + " " + std::string(stem) +
         std::string(role == FileRole::down ? k_down_ending : k_up_ending) + "\n";
}

bool is_unchanged_skeleton(std::string_view text) {
  const std::string_view line = util::trim(text);
  return line.find('\n') == std::string_view::npos && util::starts_with(line, k_comment) &&
         util::ends_with(line, k_up_ending);
}

}  // namespace migrate::source
