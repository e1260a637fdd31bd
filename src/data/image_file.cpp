#include "data/image_file.hpp"

#include "core/regular_file.hpp"
#include "data/image_decode.hpp"
#include "data/resize.hpp"

namespace expt {
namespace {

// Only regular files are read, and only up to kMaxImageFileBytes: one FIFO, device or folder
// named like an image is skipped and counted like a corrupt image, not a reason to stop.
std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  try {
    return read_regular_file(path, kMaxImageFileBytes, "an image file");
  } catch (const FileReadFailure& e) {
    throw DecodeError(e.what());
  }
}

}  // namespace

void load_image_file(const std::filesystem::path& path, const Shape& shape, std::string_view resize,
                     std::span<uint8_t> out) {
  const DecodedImage image = decode_image(read_bytes(path), shape.c, shape.h, shape.w);
  resize_decoded(image, shape, resize, out);
}

}  // namespace expt
