#include "tensorboard/png_encode.hpp"

#include <png.h>

#include <fmt/format.h>

#include "core/error.hpp"

namespace expt {

std::string encode_png(const Image8& image) {
  if (image.channels != 1 && image.channels != 3)
    throw Error(ExitCode::failure, fmt::format("PNG encoding: {} channels (1 or 3 supported)", image.channels));
  if (image.pixels.size() != static_cast<size_t>(image.height * image.width * image.channels))
    throw Error(ExitCode::failure, "PNG encoding: pixel count does not match the image size");

  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = image.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  const auto row_stride = static_cast<png_int_32>(image.width * image.channels);

  // First call sizes the output, second fills it.
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, image.pixels.data(), row_stride, nullptr))
    throw Error(ExitCode::failure, fmt::format("PNG encoding failed: {}", png.message));
  std::string bytes(size, '\0');
  if (!png_image_write_to_memory(&png, bytes.data(), &size, 0, image.pixels.data(), row_stride, nullptr))
    throw Error(ExitCode::failure, fmt::format("PNG encoding failed: {}", png.message));
  bytes.resize(size);
  return bytes;
}

}  // namespace expt
