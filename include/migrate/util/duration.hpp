// Parses human durations such as "10min", "5s", "250ms", "1h".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace migrate::util {

/// Parses "<digits><unit>" with unit ms, s, min, h (or a bare number of seconds).
/// Returns nullopt when the text is not such a duration.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// The shortest exact spelling parse_duration reads back: "1h", "10min", "5s", "250ms".
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace migrate::util
