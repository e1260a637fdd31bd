#include "data/augment.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "core/philox.hpp"
#include "data/random.hpp"
#include "data/resize.hpp"

namespace expt {
namespace {

// Uniform draws for one image: successive Philox blocks at counter (block, position, epoch),
// keyed by the run seed's own augmentation stream (not the dropout masks' key).
class ImageRandom {
 public:
  ImageRandom(uint64_t seed, int64_t epoch, int64_t position) : seed_(seed), epoch_(epoch), position_(position) {}

  double uniform() {  // [0, 1) from 32 bits: plenty for a crop offset or an angle
    if (word_ == 4) {
      const philox::Block counter{{block_++, static_cast<uint32_t>(position_), static_cast<uint32_t>(position_ >> 32),
                                   static_cast<uint32_t>(epoch_)}};
      words_ = philox::philox4x32_10(counter, static_cast<uint32_t>(seed_), static_cast<uint32_t>(seed_ >> 32));
      word_ = 0;
    }
    return static_cast<double>(words_.v[word_++]) * 0x1.0p-32;
  }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  int64_t below(int64_t n) { return std::min(n - 1, static_cast<int64_t>(uniform() * static_cast<double>(n))); }

 private:
  uint64_t seed_;
  int64_t epoch_, position_;
  uint32_t block_ = 0;
  philox::Block words_{};
  int word_ = 4;
};

// Inception-style: an area fraction in [scale] and an aspect ratio in [3/4, 4/3] (log-uniform),
// ten tries to fit, else the whole image (torchvision's fallback for the central crop, simplified).
Region random_region(const Shape& shape, const std::vector<double>& scale, ImageRandom& random) {
  const auto h = static_cast<double>(shape.h), w = static_cast<double>(shape.w);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double area = h * w * random.uniform(scale[0], scale[1]);
    const double ratio = std::exp(random.uniform(std::log(3.0 / 4.0), std::log(4.0 / 3.0)));
    const double crop_w = std::round(std::sqrt(area * ratio)), crop_h = std::round(std::sqrt(area / ratio));
    if (crop_w < 1 || crop_h < 1 || crop_w > w || crop_h > h) continue;
    const auto y = static_cast<double>(random.below(static_cast<int64_t>(h - crop_h) + 1));
    const auto x = static_cast<double>(random.below(static_cast<int64_t>(w - crop_w) + 1));
    return Region{y, x, crop_h, crop_w};
  }
  return Region{0, 0, h, w};
}

void shift_with_zero_padding(const Shape& shape, int64_t padding, ImageRandom& random, const uint8_t* in, uint8_t* out) {
  const int64_t dy = random.below(2 * padding + 1) - padding, dx = random.below(2 * padding + 1) - padding;
  std::memset(out, 0, static_cast<size_t>(shape.size()));
  for (int64_t c = 0; c < shape.c; ++c)
    for (int64_t y = std::max<int64_t>(0, -dy); y < std::min(shape.h, shape.h - dy); ++y) {
      const int64_t x0 = std::max<int64_t>(0, -dx), x1 = std::min(shape.w, shape.w - dx);
      if (x1 > x0)
        std::memcpy(out + (c * shape.h + y) * shape.w + x0, in + (c * shape.h + y + dy) * shape.w + x0 + dx,
                    static_cast<size_t>(x1 - x0));
    }
}

void mirror(const Shape& shape, uint8_t* image) {
  for (int64_t row = 0; row < shape.c * shape.h; ++row) std::reverse(image + row * shape.w, image + (row + 1) * shape.w);
}

// Bilinear sampling of the inversely rotated position; outside the image is black.
void rotate(const Shape& shape, double degrees, const uint8_t* in, uint8_t* out) {
  const double radians = degrees * std::numbers::pi / 180.0, cos_a = std::cos(radians), sin_a = std::sin(radians);
  const double cy = 0.5 * static_cast<double>(shape.h - 1), cx = 0.5 * static_cast<double>(shape.w - 1);
  for (int64_t y = 0; y < shape.h; ++y)
    for (int64_t x = 0; x < shape.w; ++x) {
      const double dy = static_cast<double>(y) - cy, dx = static_cast<double>(x) - cx;
      const double sy = cy + cos_a * dy - sin_a * dx, sx = cx + sin_a * dy + cos_a * dx;
      const auto y0 = static_cast<int64_t>(std::floor(sy)), x0 = static_cast<int64_t>(std::floor(sx));
      const double fy = sy - static_cast<double>(y0), fx = sx - static_cast<double>(x0);
      for (int64_t c = 0; c < shape.c; ++c) {
        const uint8_t* plane = in + c * shape.h * shape.w;
        const auto at = [&](int64_t yy, int64_t xx) -> double {
          return (yy < 0 || yy >= shape.h || xx < 0 || xx >= shape.w) ? 0.0 : plane[yy * shape.w + xx];
        };
        const double value = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
                             fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
        out[(c * shape.h + y) * shape.w + x] = static_cast<uint8_t>(std::clamp(value + 0.5, 0.0, 255.0));
      }
    }
}

// Gray as BT.601 luminance for 3 channels, the value itself for 1.
float gray_at(const Shape& shape, const float* image, int64_t j) {
  const int64_t plane = shape.h * shape.w;
  return shape.c == 3 ? 0.299f * image[j] + 0.587f * image[plane + j] + 0.114f * image[2 * plane + j] : image[j];
}

// Brightness, contrast, saturation (torchvision's definitions), in that order.
void jitter_colors(const Shape& shape, const AugmentConfig& config, ImageRandom& random, std::vector<float>& image) {
  const int64_t plane = shape.h * shape.w;
  const auto factor = [&](double strength) {
    return strength > 0 ? static_cast<float>(random.uniform(1 - strength, 1 + strength)) : 1.0f;
  };
  const float brightness = factor(config.brightness), contrast = factor(config.contrast),
              saturation = factor(config.saturation);
  for (float& v : image) v = std::clamp(v * brightness, 0.0f, 255.0f);
  if (contrast != 1.0f) {
    double sum = 0;
    for (int64_t j = 0; j < plane; ++j) sum += gray_at(shape, image.data(), j);
    const auto mean = static_cast<float>(sum / static_cast<double>(plane));
    for (float& v : image) v = std::clamp(mean + contrast * (v - mean), 0.0f, 255.0f);
  }
  if (saturation != 1.0f && shape.c == 3)
    for (int64_t j = 0; j < plane; ++j) {
      const float gray = gray_at(shape, image.data(), j);
      for (int64_t c = 0; c < 3; ++c) {
        float& v = image[static_cast<size_t>(c * plane + j)];
        v = std::clamp(gray + saturation * (v - gray), 0.0f, 255.0f);
      }
    }
}

}  // namespace

ImageAugmenter::ImageAugmenter(const AugmentConfig& config, const Shape& shape, uint64_t seed)
    : config_(config), shape_(shape), seed_(derive_seed(seed, DataStream::augmentation)), scratch_(static_cast<size_t>(shape.size())) {}

void ImageAugmenter::apply(std::span<const uint8_t> in, int64_t epoch, int64_t position, std::span<uint8_t> out) {
  ImageRandom random(seed_, epoch, position);
  uint8_t* image = out.data();
  std::memcpy(image, in.data(), in.size());
  const int64_t plane = shape_.h * shape_.w;
  if (config_.random_resized_crop_scale != std::vector<double>{1.0, 1.0}) {
    PlaneResizer resizer(shape_.h, shape_.w, random_region(shape_, config_.random_resized_crop_scale, random), shape_.h,
                         shape_.w);
    std::memcpy(scratch_.data(), image, scratch_.size());
    for (int64_t c = 0; c < shape_.c; ++c) resizer.resize(scratch_.data() + c * plane, image + c * plane);
  }
  if (config_.random_crop_padding > 0) {
    std::memcpy(scratch_.data(), image, scratch_.size());
    shift_with_zero_padding(shape_, config_.random_crop_padding, random, scratch_.data(), image);
  }
  if (config_.hflip && random.uniform() < 0.5) mirror(shape_, image);
  if (config_.rotate_degrees > 0) {
    const double degrees = random.uniform(-config_.rotate_degrees, config_.rotate_degrees);
    std::memcpy(scratch_.data(), image, scratch_.size());
    rotate(shape_, degrees, scratch_.data(), image);
  }
  if (config_.brightness > 0 || config_.contrast > 0 || config_.saturation > 0) {
    working_.assign(image, image + shape_.size());
    jitter_colors(shape_, config_, random, working_);
    for (size_t j = 0; j < working_.size(); ++j) image[j] = static_cast<uint8_t>(working_[j] + 0.5f);
  }
}

}  // namespace expt
