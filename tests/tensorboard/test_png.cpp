#include <doctest/doctest.h>

#include "core/error.hpp"
#include "png_decode.hpp"
#include "tensorboard/png_encode.hpp"

using namespace expt;

namespace {

Image8 gradient_image(int64_t h, int64_t w, int64_t channels) {
  Image8 img{h, w, channels, {}};
  for (int64_t i = 0; i < h * w * channels; ++i) img.pixels.push_back(static_cast<uint8_t>((i * 37) % 256));
  return img;
}

}  // namespace

TEST_CASE("PNG round trip through libpng keeps every pixel") {
  for (const int64_t channels : {1, 3}) {
    const Image8 original = gradient_image(13, 29, channels);
    const std::string png = encode_png(original);
    CHECK(png.substr(1, 3) == "PNG");
    const Image8 decoded = test::decode_png(png);
    CHECK(decoded.height == 13);
    CHECK(decoded.width == 29);
    CHECK(decoded.channels == channels);
    CHECK(decoded.pixels == original.pixels);
  }
}

TEST_CASE("pictures PNG cannot hold as given are refused") {
  CHECK_THROWS_AS(encode_png(gradient_image(2, 2, 2)), Error);
  Image8 short_of_pixels = gradient_image(4, 4, 1);
  short_of_pixels.pixels.pop_back();
  CHECK_THROWS_AS(encode_png(short_of_pixels), Error);
}
