#include <doctest/doctest.h>

#include <cstdlib>

#include "data/image_decode.hpp"
#include "test_images.hpp"

using namespace expt;
using namespace expt::test;

namespace {

double mean_abs_difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  REQUIRE(a.size() == b.size());
  double sum = 0;
  for (size_t j = 0; j < a.size(); ++j) sum += std::abs(a[j] - b[j]);
  return sum / static_cast<double>(a.size());
}

}  // namespace

TEST_CASE("decode: an RGB JPEG comes back at its size, close to what was encoded") {
  const RawImage photo = photo_like(64, 48, 1, 2);
  const DecodedImage image = decode_image(encode_jpeg(photo, 100), 3, 48, 64);
  CHECK(image.width == 64);
  CHECK(image.height == 48);
  CHECK(image.channels == 3);
  CHECK(mean_abs_difference(image.pixels, photo.pixels) < 2.0);

  const DecodedImage gray = decode_image(encode_jpeg(photo, 100), 1, 48, 64);
  CHECK(gray.channels == 1);
  CHECK(gray.pixels.size() == 64u * 48u);
}

TEST_CASE("decode: grayscale, CMYK, RGBA and 16-bit inputs become the channels asked for") {
  const DecodedImage gray = decode_image(encode_jpeg(flat_image(16, 8, {90})), 3, 1, 1);
  for (size_t j = 0; j < gray.pixels.size(); j += 3) {
    CHECK(gray.pixels[j] == gray.pixels[j + 1]);
    CHECK(gray.pixels[j] == gray.pixels[j + 2]);
    CHECK(std::abs(gray.pixels[j] - 90) <= 1);
  }

  // Adobe-inverted CMYK: stored 255 = no ink. Red = no cyan, full magenta and yellow, no black.
  const DecodedImage red = decode_image(encode_jpeg(flat_image(16, 16, {255, 0, 0, 255}), 100), 3, 1, 1);
  REQUIRE(red.channels == 3);
  CHECK(std::abs(red.pixels[0] - 255) <= 2);
  CHECK(red.pixels[1] <= 2);
  CHECK(red.pixels[2] <= 2);

  // Half-transparent black over white is mid gray (in sRGB, about 188 with linear blending).
  const DecodedImage rgba = decode_image(encode_png(flat_image(4, 4, {0, 0, 0, 128})), 3, 1, 1);
  CHECK(rgba.pixels[0] == rgba.pixels[1]);
  CHECK(rgba.pixels[0] > 100);
  CHECK(rgba.pixels[0] < 220);
  const DecodedImage opaque = decode_image(encode_png(flat_image(4, 4, {10, 200, 30, 255})), 3, 1, 1);
  CHECK(opaque.pixels == flat_image(4, 4, {10, 200, 30}).pixels);

  const DecodedImage wide = decode_image(encode_png(flat_image(5, 3, {0, 128, 255}), 16), 3, 1, 1);
  CHECK(wide.pixels[0] == 0);
  CHECK(std::abs(wide.pixels[1] - 128) <= 1);
  CHECK(wide.pixels[2] == 255);
}

TEST_CASE("decode: the format comes from the bytes, not the name") {
  const RawImage image = flat_image(6, 6, {1, 2, 3});
  const DecodedImage png = decode_image(encode_png(image), 3, 1, 1);  // whatever the file was called
  CHECK(png.pixels == image.pixels);
}

TEST_CASE("decode: broken files throw DecodeError with the reason") {
  std::vector<uint8_t> jpeg = encode_jpeg(photo_like(64, 64, 0, 0));
  jpeg.resize(jpeg.size() / 2);
  CHECK_THROWS_AS(decode_image(jpeg, 3, 1, 1), DecodeError);
  std::vector<uint8_t> png = encode_png(photo_like(64, 64, 0, 0));
  png.resize(png.size() / 2);
  CHECK_THROWS_AS(decode_image(png, 3, 1, 1), DecodeError);
  CHECK_THROWS_WITH_AS(decode_image(std::vector<uint8_t>{'<', 'h', 't', 'm', 'l', '>'}, 3, 1, 1),
                       "neither JPEG nor PNG (starts with 3c 68 74 6d)", DecodeError);
  CHECK_THROWS_WITH_AS(decode_image(std::vector<uint8_t>{}, 3, 1, 1), "the file is empty", DecodeError);
}

TEST_CASE("decode: a large JPEG is DCT-scaled down, but never below the size asked for") {
  const std::vector<uint8_t> jpeg = encode_jpeg(photo_like(800, 600, 0, 0));
  const DecodedImage small = decode_image(jpeg, 3, 100, 100);
  CHECK(small.width == 200);  // 1/4: 1/8 would make the height 75
  CHECK(small.height == 150);
  const DecodedImage full = decode_image(jpeg, 3, 600, 800);
  CHECK(full.width == 800);
}
