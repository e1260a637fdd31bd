#include "data/transform.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "data/random.hpp"

namespace expt {

ImageSet select_images(const ImageSet& set, std::span<const int64_t> indices) {
  ImageSet subset;
  subset.shape = set.shape;
  const auto image_bytes = static_cast<size_t>(set.shape.size());
  subset.pixels.resize(indices.size() * image_bytes);
  subset.labels.reserve(indices.size());
  for (size_t k = 0; k < indices.size(); ++k) {
    std::memcpy(subset.pixels.data() + k * image_bytes, set.image(indices[k]).data(), image_bytes);
    subset.labels.push_back(set.labels[indices[k]]);
  }
  return subset;
}

ImageSet take_first(ImageSet set, int64_t count) {
  if (count > 0 && count < set.size()) {
    set.labels.resize(static_cast<size_t>(count));
    set.pixels.resize(static_cast<size_t>(count * set.shape.size()));
  }
  return set;
}

std::pair<ImageSet, ImageSet> hold_out(const ImageSet& set, double fraction, uint64_t seed) {
  const int64_t size = set.size();
  const auto held_out_count = static_cast<int64_t>(std::llround(fraction * static_cast<double>(size)));
  if (held_out_count < 1 || held_out_count >= size)
    throw DataError(fmt::format("test_fraction {} of {} training images leaves {} for training and {} for test",
                                fraction, size, size - held_out_count, held_out_count));

  // Partial Fisher-Yates: the first held_out_count entries become a uniform random subset.
  std::vector<int64_t> order(static_cast<size_t>(size));
  std::iota(order.begin(), order.end(), 0);
  SeededRandom random(seed);
  for (int64_t i = 0; i < held_out_count; ++i)
    std::swap(order[i], order[i + static_cast<int64_t>(random.below(static_cast<uint64_t>(size - i)))]);
  std::sort(order.begin(), order.begin() + held_out_count);
  std::sort(order.begin() + held_out_count, order.end());

  const std::span<const int64_t> all(order);
  return {select_images(set, all.subspan(held_out_count)), select_images(set, all.first(held_out_count))};
}

namespace {

// For each output coordinate: the two source coordinates and the weight of the second.
struct Taps {
  std::vector<int64_t> low, high;
  std::vector<float> high_weight;
};

Taps bilinear_taps(int64_t in_size, int64_t out_size) {
  Taps taps;
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  for (int64_t o = 0; o < out_size; ++o) {
    const double source = std::clamp((o + 0.5) * scale - 0.5, 0.0, static_cast<double>(in_size - 1));
    const auto low = static_cast<int64_t>(source);
    taps.low.push_back(low);
    taps.high.push_back(std::min(low + 1, in_size - 1));
    taps.high_weight.push_back(static_cast<float>(source - static_cast<double>(low)));
  }
  return taps;
}

}  // namespace

ImageSet resize_bilinear(const ImageSet& set, int64_t height, int64_t width) {
  ImageSet resized;
  resized.shape = Shape{set.shape.c, height, width};
  resized.labels = set.labels;
  resized.pixels.resize(static_cast<size_t>(set.size() * resized.shape.size()));
  const Taps rows = bilinear_taps(set.shape.h, height), cols = bilinear_taps(set.shape.w, width);
  const int64_t planes = set.size() * set.shape.c;
  for (int64_t p = 0; p < planes; ++p) {
    const uint8_t* in = set.pixels.data() + p * set.shape.h * set.shape.w;
    uint8_t* out = resized.pixels.data() + p * height * width;
    for (int64_t y = 0; y < height; ++y) {
      const uint8_t* top = in + rows.low[y] * set.shape.w;
      const uint8_t* bottom = in + rows.high[y] * set.shape.w;
      const float wy = rows.high_weight[y];
      for (int64_t x = 0; x < width; ++x) {
        const float wx = cols.high_weight[x];
        const float upper = top[cols.low[x]] + wx * (top[cols.high[x]] - top[cols.low[x]]);
        const float lower = bottom[cols.low[x]] + wx * (bottom[cols.high[x]] - bottom[cols.low[x]]);
        out[y * width + x] = static_cast<uint8_t>(upper + wy * (lower - upper) + 0.5f);  // >= 0: rounds
      }
    }
  }
  return resized;
}

ImageSet convert_channels(const ImageSet& set, int64_t channels) {
  if (channels == set.shape.c) return set;
  const int64_t plane = set.shape.h * set.shape.w;
  ImageSet converted;
  converted.shape = Shape{channels, set.shape.h, set.shape.w};
  converted.labels = set.labels;
  converted.pixels.resize(static_cast<size_t>(set.size() * converted.shape.size()));
  if (set.shape.c == 1 && channels == 3) {
    for (int64_t i = 0; i < set.size(); ++i)
      for (int64_t c = 0; c < 3; ++c)
        std::memcpy(converted.pixels.data() + (i * 3 + c) * plane, set.image(i).data(), static_cast<size_t>(plane));
  } else if (set.shape.c == 3 && channels == 1) {
    for (int64_t i = 0; i < set.size(); ++i) {
      const uint8_t* rgb = set.image(i).data();
      uint8_t* gray = converted.pixels.data() + i * plane;
      for (int64_t j = 0; j < plane; ++j)  // integer weights per mille, rounded
        gray[j] = static_cast<uint8_t>((299 * rgb[j] + 587 * rgb[plane + j] + 114 * rgb[2 * plane + j] + 500) / 1000);
    }
  } else {
    throw DataError(fmt::format("cannot convert images of {} channel(s) to {} (only 1 -> 3 and 3 -> 1 exist)",
                                set.shape.c, channels));
  }
  return converted;
}

}  // namespace expt
