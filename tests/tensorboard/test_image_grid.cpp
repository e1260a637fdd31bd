#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "tensorboard/image_grid.hpp"

using namespace expt;

namespace {

std::vector<float> ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i) * 0.01f - 0.3f;
  return v;
}

// The pixel values of one tile of a grid.
std::vector<uint8_t> tile(const Image8& img, int64_t top, int64_t left, int64_t size) {
  std::vector<uint8_t> out;
  for (int64_t y = top; y < top + size; ++y)
    for (int64_t x = left; x < left + size; ++x)
      for (int64_t c = 0; c < img.channels; ++c) out.push_back(img.pixels[static_cast<size_t>((y * img.width + x) * img.channels + c)]);
  return out;
}

}  // namespace

TEST_CASE("RGB filters become enlarged colour tiles on a square grid, each using the full range") {
  const auto w = ramp(4 * 3 * 3 * 3);   // [4 filters, 3 channels, 3, 3]
  const Image8 img = filter_grid(w, 4, 3, 3, 3);
  // 3x3 enlarged 11 times (the first factor reaching kMinTilePixels = 32), 2x2 tiles, 1px gutter.
  CHECK(img.channels == 3);
  CHECK(img.width == 2 * 33 + 1);
  CHECK(img.height == 2 * 33 + 1);
  for (const auto& [top, left] : {std::pair{0, 0}, {0, 34}, {34, 0}, {34, 34}}) {
    const auto t = tile(img, top, left, 33);
    CHECK(*std::min_element(t.begin(), t.end()) == 0);
    CHECK(*std::max_element(t.begin(), t.end()) == 255);
  }
  CHECK(img.pixels[static_cast<size_t>((0 * img.width + 33) * 3)] == 255);   // the gutter
}

TEST_CASE("single-channel filters are grayscale, one row per filter") {
  const Image8 img = filter_grid(ramp(6 * 1 * 5 * 5), 6, 1, 5, 5);
  CHECK(img.channels == 1);
  // 5x5 enlarged 7 times = 35; 6 filters x 1 channel, one column.
  CHECK(img.width == 35);
  CHECK(img.height == 6 * 35 + 5);
}

TEST_CASE("feature maps: one tile per channel; a constant map is drawn black") {
  std::vector<float> act(5 * 40 * 40, 0.0f);
  for (size_t i = 0; i < 40 * 40; ++i) act[i] = static_cast<float>(i);   // channel 0 varies, others constant
  const Image8 img = feature_map_grid(act, Shape{5, 40, 40});
  CHECK(img.channels == 1);
  CHECK(img.width == 3 * 40 + 2);    // ceil(sqrt(5)) = 3 columns, no enlargement needed
  CHECK(img.height == 2 * 40 + 1);
  CHECK(img.pixels[0] == 0);
  CHECK(img.pixels[39 * img.width + 39] == 255);
  const auto constant = tile(img, 0, 41, 40);
  CHECK(std::all_of(constant.begin(), constant.end(), [](uint8_t p) { return p == 0; }));
}

TEST_CASE("large layers show at most kMaxTiles tiles") {
  std::vector<float> act(200 * 2 * 2, 1.0f);
  const Image8 img = feature_map_grid(act, Shape{200, 2, 2});
  CHECK(img.width == 8 * 32 + 7);    // 64 tiles: 8 x 8, 2x2 enlarged 16 times
}
