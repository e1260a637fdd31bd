#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "data/dataset.hpp"

namespace expt {

// Normalization from the training images only (the test split must not leak into it), in
// uint8 units so that x_float = (x_uint8 - mean) * inv_std:
//   per_channel_mean: mean and standard deviation of each channel over all training pixels,
//                     broadcast to every element of that channel (a constant channel gets
//                     inv_std 1, as it carries nothing to scale);
//   mean_image:       the mean training image, scaled by 1/255. The per-element standard
//                     deviation is not used: it is 0 on MNIST's always-black border, and
//                     subtracting the mean image with a [0, 1] scale is what the original
//                     tutorial did;
//   none:             x / 255.
// Throws DataError for any other kind.
Normalization compute_normalization(const ImageSet& train, std::string_view kind);

// out = (pixels - mean) * inv_std for one image; every span holds norm.mean.size() values.
// assemble_batch and the background loader both go through it, so they agree to the bit.
void normalize_image(std::span<const uint8_t> pixels, const Normalization& norm, std::span<float> out);

}  // namespace expt
