#pragma once
// JPEG (libjpeg-turbo) and PNG (libpng) decoding to 8-bit gray or RGB, chosen by the file's
// first bytes: data sets do contain PNGs named .jpg.
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace expt {

// Budgets for one image file, so that one hostile file is skipped like any corrupt one instead
// of exhausting memory (a 875 KB PNG can declare 30000x30000 pixels). Both are far above any
// photo a data set holds: 64 megapixels is 8192x8192, decoded to at most 256 MiB (CMYK).
constexpr int64_t kMaxImageFileBytes = int64_t{128} << 20;
constexpr int64_t kMaxImagePixels = int64_t{64} << 20;

// Why one file could not be decoded; the loader skips the file and records the message.
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DecodedImage {
  int64_t height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;  // height * width * channels, interleaved (HWC)
};

// `channels` (1 or 3) is what the caller wants: gray, RGB, CMYK, palette, alpha and 16-bit
// inputs are all converted to it. A JPEG may come back smaller than stored (libjpeg-turbo's
// DCT scaling by 1/2, 1/4, 1/8 is far cheaper than decoding everything and shrinking), but
// never below min_height x min_width when the stored image is at least that large. An image
// declaring more than kMaxImagePixels is refused before anything is allocated for it.
DecodedImage decode_image(std::span<const uint8_t> bytes, int64_t channels, int64_t min_height, int64_t min_width);

// Throws DecodeError when width x height (each below 2^32, as both formats store them) is
// more than kMaxImagePixels.
void check_pixel_budget(int64_t width, int64_t height);

DecodedImage decode_jpeg(std::span<const uint8_t> bytes, int64_t channels, int64_t min_height, int64_t min_width);
DecodedImage decode_png(std::span<const uint8_t> bytes, int64_t channels);

}  // namespace expt
