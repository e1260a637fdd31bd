// Procedurally drawn classes for tests and quick experiments without files. Class k of K is a
// patch of stripes (a Gabor patch: a cosine grating under a Gaussian window) at angle pi*k/K,
// with neighbouring classes also alternating between a low and a high stripe frequency. Each
// image draws its own phase, angle and frequency jitter, patch position and size, contrast,
// brightness, per-channel gain and pixel noise, so no single pixel or mean intensity tells the
// classes apart: a model has to find oriented edges, which a small CNN does in a few epochs.
// Angles are K-way, so with many classes (beyond ~20) neighbours become hard to separate.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "data/random.hpp"
#include "data/sources.hpp"

namespace expt {
namespace {

constexpr int64_t kDefaultSide = 28;

Shape synthetic_shape(const DataConfig& config) {
  return Shape{config.channels > 0 ? config.channels : 1,
               config.image_height > 0 ? config.image_height : kDefaultSide,
               config.image_width > 0 ? config.image_width : kDefaultSide};
}

void draw_image(const Shape& shape, int32_t label, int64_t classes, SeededRandom& random,
                std::span<uint8_t> out) {
  const double pi = std::numbers::pi;
  const double side = static_cast<double>(std::min(shape.h, shape.w));
  const double angle_step = pi / static_cast<double>(classes);
  // A quarter step of jitter either way keeps the angle ranges of any two classes disjoint.
  const double angle = label * angle_step + random.uniform(-0.25, 0.25) * angle_step;
  const double cycles_per_side = (label % 2 == 0 ? 2.5 : 4.5) * random.uniform(0.9, 1.1);
  const double radians_per_pixel = 2.0 * pi * cycles_per_side / side;
  const double phase = random.uniform(0.0, 2.0 * pi);
  const double center_y = 0.5 * (shape.h - 1) + random.uniform(-0.15, 0.15) * shape.h;
  const double center_x = 0.5 * (shape.w - 1) + random.uniform(-0.15, 0.15) * shape.w;
  const double window_sigma = random.uniform(0.25, 0.4) * side;
  const double contrast = random.uniform(0.3, 1.0) * 127.0;
  const double brightness = 128.0 + random.uniform(-30.0, 30.0);
  const double noise_sigma = 25.0;
  const double inv_two_sigma_sq = 1.0 / (2.0 * window_sigma * window_sigma);

  // Window and grating are separable in x and y (exp(a + b) = exp(a) exp(b), and
  // cos(a + b) = cos a cos b - sin a sin b), so the transcendental calls are per row and column.
  const double wave_x = radians_per_pixel * std::cos(angle), wave_y = radians_per_pixel * std::sin(angle);
  std::vector<double> window_x(shape.w), cos_x(shape.w), sin_x(shape.w);
  for (int64_t x = 0; x < shape.w; ++x) {
    const double dx = static_cast<double>(x) - center_x;
    window_x[x] = std::exp(-dx * dx * inv_two_sigma_sq);
    cos_x[x] = std::cos(wave_x * dx + phase);
    sin_x[x] = std::sin(wave_x * dx + phase);
  }

  for (int64_t c = 0; c < shape.c; ++c) {
    const double amplitude = (shape.c == 1 ? 1.0 : random.uniform(0.6, 1.0)) * contrast;
    uint8_t* plane = out.data() + c * shape.h * shape.w;
    for (int64_t y = 0; y < shape.h; ++y) {
      const double dy = static_cast<double>(y) - center_y;
      const double row_amplitude = amplitude * std::exp(-dy * dy * inv_two_sigma_sq);
      const double cos_y = std::cos(wave_y * dy), sin_y = std::sin(wave_y * dy);
      for (int64_t x = 0; x < shape.w; ++x) {
        const double stripes = cos_x[x] * cos_y - sin_x[x] * sin_y;
        const double value = brightness + row_amplitude * window_x[x] * stripes + noise_sigma * random.normal();
        plane[y * shape.w + x] = static_cast<uint8_t>(std::clamp(std::round(value), 0.0, 255.0));
      }
    }
  }
}

// Labels cycle 0, 1, ..., K-1, so every prefix (limit_train) is balanced to within one image.
ImageSet draw_split(const Shape& shape, int64_t count, int64_t classes, uint64_t seed) {
  ImageSet set;
  set.shape = shape;
  set.pixels.resize(static_cast<size_t>(count * shape.size()));
  set.labels.resize(static_cast<size_t>(count));
  SeededRandom random(seed);
  for (int64_t i = 0; i < count; ++i) {
    set.labels[i] = static_cast<int32_t>(i % classes);
    draw_image(shape, set.labels[i], classes, random,
               {set.pixels.data() + i * shape.size(), static_cast<size_t>(shape.size())});
  }
  return set;
}

}  // namespace

DatasetInfo probe_synthetic(const DataConfig& config) {
  if (config.synthetic_classes < 1)
    throw DataError(fmt::format("synthetic data set: synthetic_classes is {}, needs at least 1",
                                config.synthetic_classes));
  if (config.synthetic_train < 1 || config.synthetic_test < 0)
    throw DataError(fmt::format("synthetic data set: needs at least 1 training image and no negative counts "
                                "(synthetic_train {}, synthetic_test {})",
                                config.synthetic_train, config.synthetic_test));
  return DatasetInfo{synthetic_shape(config), config.synthetic_classes,
                     class_names(config, config.synthetic_classes, "the synthetic data set")};
}

Dataset load_synthetic(const DataConfig& config, uint64_t seed) {
  DatasetInfo info = probe_synthetic(config);
  Dataset dataset;
  dataset.name = "synthetic";
  dataset.class_names = std::move(info.class_names);
  dataset.train = draw_split(info.shape, config.synthetic_train, info.classes,
                             derive_seed(seed, DataStream::synthetic_train));
  dataset.test =
      draw_split(info.shape, config.synthetic_test, info.classes, derive_seed(seed, DataStream::synthetic_test));
  return dataset;
}

}  // namespace expt
