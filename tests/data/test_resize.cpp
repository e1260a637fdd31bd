#include <doctest/doctest.h>

#include <vector>

#include "core/error.hpp"
#include "data/resize.hpp"

using namespace expt;

TEST_CASE("resize: enlarging is bilinear with pixel centres aligned") {
  const std::vector<uint8_t> in{0, 255};
  std::vector<uint8_t> out(4);
  PlaneResizer(1, 2, Region{0, 0, 1, 2}, 1, 4).resize(in.data(), out.data());
  CHECK(out == std::vector<uint8_t>{0, 64, 191, 255});
}

TEST_CASE("resize: shrinking averages every source pixel (antialiasing)") {
  // One-pixel stripes: sampling two pixels per output would give 0 or 255 (aliasing).
  std::vector<uint8_t> stripes(64 * 64);
  for (size_t j = 0; j < stripes.size(); ++j) stripes[j] = (j % 2) ? 255 : 0;
  std::vector<uint8_t> out(8 * 8);
  PlaneResizer(64, 64, Region{0, 0, 64, 64}, 8, 8).resize(stripes.data(), out.data());
  for (uint8_t v : out) CHECK(std::abs(v - 128) <= 8);  // the triangle's weights alternate slightly

  const std::vector<uint8_t> flat(37 * 53, 77);
  std::vector<uint8_t> resized(11 * 29);
  PlaneResizer(37, 53, Region{0, 0, 37, 53}, 11, 29).resize(flat.data(), resized.data());
  for (uint8_t v : resized) CHECK(v == 77);
}

TEST_CASE("resize: shorter_side_then_center_crop takes the middle at the output's aspect ratio") {
  const Region crop = fit_region(375, 500, 224, 224, "shorter_side_then_center_crop");
  CHECK(crop.y == doctest::Approx(0));
  CHECK(crop.height == doctest::Approx(375));
  CHECK(crop.width == doctest::Approx(375));
  CHECK(crop.x == doctest::Approx(62.5));
  const Region whole = fit_region(375, 500, 224, 224, "stretch");
  CHECK(whole.width == 500);
  CHECK(whole.height == 375);
  CHECK_THROWS_AS(fit_region(1, 1, 1, 1, "squash"), DataError);

  // Outer quarters white, middle black: the crop sees black, the stretch keeps the white sides.
  DecodedImage image{20, 40, 1, std::vector<uint8_t>(800)};
  for (int64_t y = 0; y < 20; ++y)
    for (int64_t x = 0; x < 40; ++x) image.pixels[y * 40 + x] = (x < 10 || x >= 30) ? 255 : 0;
  std::vector<uint8_t> cropped(100), stretched(100);
  resize_decoded(image, Shape{1, 10, 10}, "shorter_side_then_center_crop", cropped);
  resize_decoded(image, Shape{1, 10, 10}, "stretch", stretched);
  for (int64_t y = 0; y < 10; ++y) {
    for (int64_t x = 1; x < 9; ++x) CHECK(cropped[y * 10 + x] == 0);
    CHECK(stretched[y * 10] == 255);
    CHECK(stretched[y * 10 + 5] == 0);
    CHECK(stretched[y * 10 + 9] == 255);
  }
}
