#pragma once
// Pictures of what a network holds: tensors in canonical layout laid out as a grid of tiles.
// Each tile is scaled to 0..255 by its own minimum and maximum, so a filter or feature map
// with small values still shows its structure; tiles are enlarged (nearest neighbour) to at
// least kMinTilePixels so that 3x3 filters are visible; a white gutter separates them.
#include <cstdint>
#include <span>

#include "core/shape.hpp"
#include "tensorboard/png_encode.hpp"

namespace expt {

inline constexpr int64_t kMinTilePixels = 32;
inline constexpr int64_t kMaxTiles = 64;   // larger layers show their first 64 channels/filters

// A conv weight [out, in, kh, kw]: one RGB tile per filter when in == 3, otherwise one
// grayscale tile per (filter, input channel), a filter per row.
Image8 filter_grid(std::span<const float> weight, int64_t out, int64_t in, int64_t kh, int64_t kw);

// One sample's activations (shape.c channels of h x w): a grayscale tile per channel.
Image8 feature_map_grid(std::span<const float> activations, Shape shape);

// One input image: RGB when it has 3 channels, grayscale when 1, else its channels as tiles.
Image8 input_picture(std::span<const float> image, Shape shape);

}  // namespace expt
