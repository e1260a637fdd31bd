#include "png_decode.hpp"

#include <png.h>

#include <doctest/doctest.h>

namespace expt::test {

Image8 decode_png(const std::string& png) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  REQUIRE_MESSAGE(png_image_begin_read_from_memory(&img, png.data(), png.size()), img.message);
  const bool color = (img.format & PNG_FORMAT_FLAG_COLOR) != 0;
  img.format = color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  Image8 out;
  out.height = img.height;
  out.width = img.width;
  out.channels = color ? 3 : 1;
  out.pixels.resize(PNG_IMAGE_SIZE(img));
  REQUIRE_MESSAGE(png_image_finish_read(&img, nullptr, out.pixels.data(), 0, nullptr), img.message);
  return out;
}

}  // namespace expt::test
