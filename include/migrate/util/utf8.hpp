// Finding bytes that are not UTF-8, for files that must be UTF-8 (revision files).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace migrate::util {

/// Where a byte sequence stops being UTF-8.
struct Utf8Error {
  std::size_t offset = 0;  ///< of the first offending byte
  std::size_t line = 1;    ///< 1-based
  std::size_t column = 1;  ///< 1-based, in characters
  unsigned char byte = 0;  ///< the offending byte
};

/// The first invalid UTF-8 sequence of text (overlong forms, surrogates and code points
/// above U+10FFFF included), or nullopt when text is valid UTF-8.
std::optional<Utf8Error> find_invalid_utf8(std::string_view text);

}  // namespace migrate::util
