#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "data/image_decode.hpp"

namespace expt {
namespace {

constexpr std::array<uint8_t, 3> kJpegMagic{0xFF, 0xD8, 0xFF};
constexpr std::array<uint8_t, 8> kPngMagic{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

template <size_t N>
bool starts_with(std::span<const uint8_t> bytes, const std::array<uint8_t, N>& magic) {
  return bytes.size() >= N && std::equal(magic.begin(), magic.end(), bytes.begin());
}

}  // namespace

void check_pixel_budget(int64_t width, int64_t height) {
  if (width * height > kMaxImagePixels)
    throw DecodeError(fmt::format("declares {}x{} pixels, more than the {} megapixels an image may have", width,
                                  height, kMaxImagePixels >> 20));
}

DecodedImage decode_image(std::span<const uint8_t> bytes, int64_t channels, int64_t min_height, int64_t min_width) {
  if (bytes.empty()) throw DecodeError("the file is empty");
  if (starts_with(bytes, kJpegMagic)) return decode_jpeg(bytes, channels, min_height, min_width);
  if (starts_with(bytes, kPngMagic)) return decode_png(bytes, channels);
  const auto head = bytes.first(std::min<size_t>(bytes.size(), 4));
  throw DecodeError(fmt::format("neither JPEG nor PNG (starts with {:02x})", fmt::join(head, " ")));
}

}  // namespace expt
