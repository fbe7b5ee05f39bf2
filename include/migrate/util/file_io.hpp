// Whole-file reads and writes with errors that name the path.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace migrate::util {

/// Reads the whole file. Throws std::runtime_error naming the path and the OS reason.
std::string read_file(const std::filesystem::path& path);

/// Creates path exclusively (fails if it exists) and writes content to it.
/// Throws std::runtime_error naming the path and the OS reason.
void write_new_file(const std::filesystem::path& path, std::string_view content);

/// Writes content to path whole or not at all: into a temporary file beside it (mode
/// 0644), fsynced, then renamed over path. Throws std::runtime_error naming the path and
/// the OS reason; the temporary file is removed on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace migrate::util
