#include "data/resize.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"

namespace expt {

PlaneResizer::Taps PlaneResizer::taps(int64_t in_size, double begin, double length, int64_t out_size) {
  const double scale = length / static_cast<double>(out_size);
  const double support = std::max(scale, 1.0);  // half-width of the triangle, in source pixels
  Taps t;
  t.width = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  t.first.resize(static_cast<size_t>(out_size));
  t.weights.assign(static_cast<size_t>(out_size * t.width), 0.0f);
  for (int64_t o = 0; o < out_size; ++o) {
    const double centre = begin + (static_cast<double>(o) + 0.5) * scale;  // in source coordinates
    const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(std::floor(centre - support)));
    const int64_t hi = std::min<int64_t>(in_size, static_cast<int64_t>(std::ceil(centre + support)));
    t.first[o] = lo;
    float* w = t.weights.data() + o * t.width;
    double total = 0;
    for (int64_t i = lo; i < hi && i - lo < t.width; ++i) {
      const double distance = std::abs(static_cast<double>(i) + 0.5 - centre) / support;
      w[i - lo] = static_cast<float>(std::max(0.0, 1.0 - distance));
      total += w[i - lo];
    }
    if (total == 0) {  // centre outside the image: take the nearest edge pixel
      t.first[o] = std::clamp<int64_t>(static_cast<int64_t>(centre), 0, in_size - 1);
      w[0] = 1.0f;
      continue;
    }
    for (int64_t k = 0; k < t.width; ++k) w[k] = static_cast<float>(w[k] / total);
  }
  // Windows at the end may reach past the source; resize() stops at its edge (those weights are 0).
  return t;
}

PlaneResizer::PlaneResizer(int64_t in_height, int64_t in_width, Region region, int64_t out_height, int64_t out_width)
    : in_width_(in_width), out_height_(out_height), out_width_(out_width),
      vertical_(taps(in_height, region.y, region.height, out_height)),
      horizontal_(taps(in_width, region.x, region.width, out_width)) {
  first_row_ = *std::min_element(vertical_.first.begin(), vertical_.first.end());
  const int64_t end_row = std::min(in_height, *std::max_element(vertical_.first.begin(), vertical_.first.end()) +
                                                  vertical_.width);
  rows_ = end_row - first_row_;
  rows_resized_.resize(static_cast<size_t>(rows_ * out_width_));
}

void PlaneResizer::resize(const uint8_t* in, uint8_t* out) {
  const int64_t hw = horizontal_.width, in_w = in_width_;
  for (int64_t r = 0; r < rows_; ++r) {
    const uint8_t* row = in + (first_row_ + r) * in_w;
    float* resized = rows_resized_.data() + r * out_width_;
    for (int64_t x = 0; x < out_width_; ++x) {
      const uint8_t* src = row + horizontal_.first[x];
      const float* w = horizontal_.weights.data() + x * hw;
      const int64_t n = std::min(hw, in_w - horizontal_.first[x]);
      float sum = 0;
      for (int64_t k = 0; k < n; ++k) sum += w[k] * static_cast<float>(src[k]);
      resized[x] = sum;
    }
  }
  const int64_t vw = vertical_.width;
  for (int64_t y = 0; y < out_height_; ++y) {
    const float* w = vertical_.weights.data() + y * vw;
    const int64_t base = vertical_.first[y] - first_row_;
    const int64_t n = std::min(vw, rows_ - base);
    uint8_t* out_row = out + y * out_width_;
    for (int64_t x = 0; x < out_width_; ++x) {
      float sum = 0;
      for (int64_t k = 0; k < n; ++k) sum += w[k] * rows_resized_[(base + k) * out_width_ + x];
      out_row[x] = static_cast<uint8_t>(std::clamp(sum + 0.5f, 0.0f, 255.0f));
    }
  }
}

Region fit_region(int64_t in_height, int64_t in_width, int64_t out_height, int64_t out_width, std::string_view resize) {
  const auto h = static_cast<double>(in_height), w = static_cast<double>(in_width);
  if (resize == "stretch") return Region{0, 0, h, w};
  if (resize == "shorter_side_then_center_crop") {
    // The scale that makes the shorter side (relative to the output) fit exactly.
    const double scale = std::max(static_cast<double>(out_height) / h, static_cast<double>(out_width) / w);
    const double region_h = static_cast<double>(out_height) / scale, region_w = static_cast<double>(out_width) / scale;
    return Region{(h - region_h) / 2, (w - region_w) / 2, region_h, region_w};
  }
  throw DataError(fmt::format("unknown resize mode '{}' (stretch | shorter_side_then_center_crop)", resize));
}

void resize_decoded(const DecodedImage& image, const Shape& shape, std::string_view resize, std::span<uint8_t> out) {
  const int64_t plane = image.height * image.width;
  std::vector<uint8_t> planar(image.pixels.size());
  for (int64_t j = 0; j < plane; ++j)
    for (int64_t c = 0; c < image.channels; ++c) planar[c * plane + j] = image.pixels[j * image.channels + c];
  PlaneResizer resizer(image.height, image.width, fit_region(image.height, image.width, shape.h, shape.w, resize),
                       shape.h, shape.w);
  for (int64_t c = 0; c < shape.c; ++c) resizer.resize(planar.data() + c * plane, out.data() + c * shape.h * shape.w);
}

}  // namespace expt
