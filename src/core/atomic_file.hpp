#pragma once
// Every file expt writes goes through here: write to a temporary file in the same folder,
// fsync, then rename over the target. A crash, Ctrl-C or full disk leaves either the old
// file or the new one, never a torn one.
#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

namespace expt {

// Throws IoError naming the path and the system's reason (e.g. "No space left on device").
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes);
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace expt
