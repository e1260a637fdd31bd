// libFuzzer target: the image loader's decode path (JPEG or PNG by the first bytes, then the
// resize into the data set's shape). A DecodeError is how a loader skips a bad file.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/shape.hpp"
#include "data/image_decode.hpp"
#include "data/resize.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The last byte picks gray or RGB output, so both conversions are reached.
  const int64_t channels = size > 0 && data[size - 1] % 2 ? 1 : 3;
  const expt::Shape shape{channels, 24, 32};
  try {
    const expt::DecodedImage image = expt::decode_image(std::span(data, size), channels, shape.h, shape.w);
    std::vector<uint8_t> out(static_cast<size_t>(shape.size()));
    expt::resize_decoded(image, shape, "shorter_side_then_center_crop", out);
  } catch (const expt::DecodeError&) {
  }
  return 0;
}
