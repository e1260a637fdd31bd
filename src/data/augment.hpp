#pragma once
// Training-time augmentation of one uint8 CHW image (data.augment). Every random draw comes from
// Philox keyed by the run seed at counter (position in the epoch, epoch), so an image gets the
// same changes whichever thread prepares it and whenever.
#include <cstdint>
#include <span>
#include <vector>

#include "core/shape.hpp"
#include "data/data_config.hpp"

namespace expt {

class ImageAugmenter {
 public:
  ImageAugmenter(const AugmentConfig& config, const Shape& shape, uint64_t seed);
  // out = in changed by the configured transforms, in the order of AugmentConfig.
  void apply(std::span<const uint8_t> in, int64_t epoch, int64_t position, std::span<uint8_t> out);

 private:
  AugmentConfig config_;
  Shape shape_;
  uint64_t seed_;
  std::vector<uint8_t> scratch_;  // the image between two transforms
  std::vector<float> working_;    // color_jitter in floats
};

}  // namespace expt
