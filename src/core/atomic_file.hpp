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

// Removes, anywhere under `dir`, the temporary files of writes that were killed before their
// rename (".<name>.tmp-XXXXXX"). Only for a folder no other process is writing to.
void remove_abandoned_temporaries(const std::filesystem::path& dir);

// Removes the temporary files of killed writes to `target` only (".<target name>.tmp-XXXXXX"
// beside it), for a file whose writers all hold a lock the caller holds while its folder's
// other files may be written by other processes.
void remove_abandoned_temporaries_of(const std::filesystem::path& target);

}  // namespace expt
