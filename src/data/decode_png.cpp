// libpng's simplified API converts every PNG colour type and bit depth (gray, palette, alpha,
// 16-bit) to the 8-bit sRGB format asked for.
#include <png.h>

#include <fmt/format.h>

#include "data/image_decode.hpp"

namespace expt {

DecodedImage decode_png(std::span<const uint8_t> bytes, int64_t channels) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size()))
    throw DecodeError(fmt::format("bad PNG: {}", png.message));
  try {
    check_pixel_budget(png.width, png.height);
  } catch (const DecodeError&) {
    png_image_free(&png);  // what begin_read allocated
    throw;
  }
  png.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  DecodedImage image{png.height, png.width, channels, std::vector<uint8_t>(PNG_IMAGE_SIZE(png))};
  // Transparent pixels are composited over white: what a viewer shows for a cut-out photo.
  const png_color white{255, 255, 255};
  if (!png_image_finish_read(&png, &white, image.pixels.data(), 0, nullptr))  // frees png on failure
    throw DecodeError(fmt::format("PNG data: {}", png.message));
  png_image_free(&png);
  return image;
}

}  // namespace expt
