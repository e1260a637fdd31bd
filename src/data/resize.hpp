#pragma once
// Resampling one plane of uint8 pixels from a rectangle of the source to a whole output: the
// decode-time resize (stretch or centre crop) and random_resized_crop share it.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/shape.hpp"
#include "data/image_decode.hpp"

namespace expt {

// A rectangle in source pixels (continuous coordinates: pixel i covers [i, i + 1)).
struct Region {
  double y = 0, x = 0, height = 0, width = 0;
};

// Bilinear (a triangle filter) with pixel centres aligned like PIL and torchvision; when
// shrinking, the filter widens by the scale factor so every source pixel contributes
// (antialiasing, as PIL's BILINEAR) instead of sampling two of many. Taps outside the source
// are dropped and the rest renormalised. The weights are computed once, for every plane.
class PlaneResizer {
 public:
  PlaneResizer(int64_t in_height, int64_t in_width, Region region, int64_t out_height, int64_t out_width);
  // in: in_height * in_width pixels; out: out_height * out_width.
  void resize(const uint8_t* in, uint8_t* out);

 private:
  struct Taps {
    std::vector<int64_t> first;  // per output coordinate: the first source pixel used
    std::vector<float> weights;  // per output coordinate: `width` weights from first on
    int64_t width = 0;
  };
  static Taps taps(int64_t in_size, double begin, double length, int64_t out_size);

  int64_t in_width_, out_height_, out_width_;
  int64_t first_row_, rows_;  // the source rows any output row uses
  Taps vertical_, horizontal_;
  std::vector<float> rows_resized_;  // rows_ x out_width_: after the horizontal pass
};

// Where `resize` takes the output from: the whole image (`stretch`), or the largest centred
// region with the output's aspect ratio (`shorter_side_then_center_crop`). Throws DataError for
// any other mode.
Region fit_region(int64_t in_height, int64_t in_width, int64_t out_height, int64_t out_width, std::string_view resize);

// A decoded (HWC) image resized to shape.h x shape.w into `out` (CHW, shape.size() bytes).
// image.channels must equal shape.c.
void resize_decoded(const DecodedImage& image, const Shape& shape, std::string_view resize, std::span<uint8_t> out);

}  // namespace expt
