#pragma once
// Reading files that expt does not control (data sets, annotations) without trusting what the
// name points to: a FIFO would block forever, a character device (/dev/zero) would read until
// memory runs out, a folder cannot be read at all. Only regular files of a bounded size are read.
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace expt {

// Why a file was not read: it is absent or not a regular file, larger than allowed, or the
// system refused (the reason as strerror says it). The message does not repeat the path, so
// callers can name the file their own way and raise their own error kind.
struct FileReadFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The whole of `path` when it is a regular file (or a link to one) of at most max_bytes.
// `kind` names such a file in the message about its size ("an image file").
std::vector<uint8_t> read_regular_file(const std::filesystem::path& path, int64_t max_bytes, std::string_view kind);

}  // namespace expt
