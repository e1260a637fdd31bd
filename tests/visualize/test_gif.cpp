#include <doctest/doctest.h>

#include <cstdlib>

#include "core/error.hpp"
#include "gif_decode.hpp"
#include "visualize/bitmap_font.hpp"
#include "visualize/gif_encode.hpp"

using namespace expt;
using namespace expt::test;

namespace {

Image8 ramp(int64_t height, int64_t width, int64_t channels, int shift) {
  Image8 image{height, width, channels, {}};
  for (int64_t i = 0; i < height * width * channels; ++i) image.pixels.push_back(static_cast<uint8_t>((i * 7 + shift) % 256));
  return image;
}

}  // namespace

TEST_CASE("gif: grayscale frames come back frame for frame, level for level") {
  const std::vector<Image8> frames{ramp(5, 7, 1, 0), ramp(5, 7, 1, 40), ramp(5, 7, 1, 80)};
  const DecodedGif gif = decode_gif(encode_gif(frames, 30));
  CHECK(gif.width == 7);
  CHECK(gif.height == 5);
  REQUIRE(gif.frames.size() == 3);
  for (size_t f = 0; f < 3; ++f)
    for (size_t p = 0; p < 35; ++p) {
      CHECK(gif.frames[f][p][0] == frames[f].pixels[p]);
      CHECK(gif.frames[f][p][2] == frames[f].pixels[p]);
    }
}

TEST_CASE("gif: RGB frames keep each colour within the 3-3-2 palette's step") {
  const Image8 frame = ramp(4, 6, 3, 5);
  const DecodedGif gif = decode_gif(encode_gif({frame}, 50));
  REQUIRE(gif.frames.size() == 1);
  for (size_t p = 0; p < 24; ++p) {
    CHECK(std::abs(gif.frames[0][p][0] - frame.pixels[3 * p]) <= 19);
    CHECK(std::abs(gif.frames[0][p][1] - frame.pixels[3 * p + 1]) <= 19);
    CHECK(std::abs(gif.frames[0][p][2] - frame.pixels[3 * p + 2]) <= 43);
  }
}

TEST_CASE("gif: no frames, or frames of different sizes, are refused") {
  CHECK_THROWS_AS(encode_gif({}, 50), Error);
  CHECK_THROWS_AS(encode_gif({ramp(4, 4, 1, 0), ramp(4, 5, 1, 0)}, 50), Error);
}

TEST_CASE("bitmap font: a label is drawn in black inside its width, nothing outside") {
  Image8 image{12, 40, 1, std::vector<uint8_t>(480, 255)};
  draw_text(image, 1, 1, "step 10", 1);
  CHECK(text_width("step 10", 1) == 27);
  int64_t black = 0, outside = 0;
  for (int64_t y = 0; y < 12; ++y)
    for (int64_t x = 0; x < 40; ++x) {
      if (image.pixels[static_cast<size_t>(y * 40 + x)] != 0) continue;
      ++black;
      if (x < 1 || x >= 28 || y < 1 || y >= 6) ++outside;
    }
  CHECK(black > 20);
  CHECK(outside == 0);
}
