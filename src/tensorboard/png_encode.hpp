#pragma once
// 8-bit pictures and their PNG encoding (libpng's simplified API, which reports errors by
// return value instead of longjmp, so no C++ frame is ever jumped over).
#include <cstdint>
#include <string>
#include <vector>

namespace expt {

// Row-major, channels interleaved (HWC): 1 = grayscale, 3 = RGB.
struct Image8 {
  int64_t height = 0, width = 0, channels = 1;
  std::vector<uint8_t> pixels;   // height * width * channels
};

// Throws Error if libpng refuses the picture.
std::string encode_png(const Image8& image);

}  // namespace expt
