// Duration parsing for manifest settings and command-line options.
#include "migrate/util/duration.hpp"

#include <cstdint>
#include <limits>

#include "migrate/util/text.hpp"

namespace migrate::util {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  text = trim(text);
  std::size_t digits = 0;
  std::int64_t value = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    if (value > (std::numeric_limits<std::int64_t>::max() - 9) / 10 / 3'600'000) return std::nullopt;
    value = value * 10 + (text[digits] - '0');
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  const std::string_view unit = trim(text.substr(digits));
  std::int64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit.empty() || unit == "s" || unit == "sec") scale = 1000;
  else if (unit == "m" || unit == "min") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else return std::nullopt;
  return std::chrono::milliseconds(value * scale);
}

std::string format_duration(std::chrono::milliseconds duration) {
  const std::int64_t ms = duration.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "min";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace migrate::util
