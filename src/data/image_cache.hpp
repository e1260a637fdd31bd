#pragma once
// The decoded-image cache: one file per listing (data set, files, size, resize mode) holding
// every listed file's resized uint8 image or the reason it was skipped, so a later run reads
// it instead of decoding. Layout (native byte order; a cache is not moved between machines):
//   header (80 bytes): "EXPTIMGC", u64 format version, u64 key, u64 files, u64 c, h, w,
//                      u64 metadata bytes, u64 pixel bytes, u32 CRC-32 of each of the two;
//   metadata:          i32 label per file, u8 decoded flag per file, then per skipped file
//                      u32 length + "<file>: <reason>";
//   pixels:            the decoded files' CHW images, in listing order.
// The key hashes every file's path, size and modification time, the labels and the decode
// options: any change makes the file stale. Written atomically, so a crash leaves no torn file.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "data/dataset.hpp"

namespace expt {

struct DecodedFiles {
  Shape shape;
  std::vector<int32_t> labels;       // per listed file
  std::vector<uint8_t> decoded;      // per listed file: 1 decoded, 0 skipped
  std::vector<std::string> skipped;  // "<file>: <reason>", in listing order
  std::vector<uint8_t> pixels;       // the decoded files' images, in listing order
};

// data.cache_dir, else $XDG_CACHE_HOME/expt, else $HOME/.cache/expt, else .cache/expt.
std::filesystem::path image_cache_folder(const DataConfig& config);

// The cached files when `path` holds them for `key`; otherwise nullopt and `why_not` says
// "absent", "stale" (written for other files or options) or "corrupt: <what>".
std::optional<DecodedFiles> read_image_cache(const std::filesystem::path& path, uint64_t key, std::string& why_not);

// Throws IoError when the file cannot be written.
void write_image_cache(const std::filesystem::path& path, uint64_t key, const DecodedFiles& files);

}  // namespace expt
