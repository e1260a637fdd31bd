#pragma once
// Reshaping an ImageSet after loading: subsets, the held-out split, resizing, channel conversion.
#include <cstdint>
#include <span>
#include <utility>

#include "data/dataset.hpp"

namespace expt {

// The images at `indices`, in that order.
ImageSet select_images(const ImageSet& set, std::span<const int64_t> indices);

// The first `count` images; all of them when count <= 0 or count >= set.size().
ImageSet take_first(ImageSet set, int64_t count);

// Splits `set` into (kept, held out) with round(fraction * size) images, chosen uniformly at
// random from `seed`, held out; both keep the original order. Throws DataError when either part
// would be empty.
std::pair<ImageSet, ImageSet> hold_out(const ImageSet& set, double fraction, uint64_t seed);

// Bilinear, with pixel centres aligned (as OpenCV's INTER_LINEAR and PyTorch's
// align_corners=False). No anti-aliasing: strong downscaling skips detail.
ImageSet resize_bilinear(const ImageSet& set, int64_t height, int64_t width);

// 1 -> 3 replicates the plane; 3 -> 1 takes ITU-R BT.601 luminance (0.299 R + 0.587 G + 0.114 B).
// Throws DataError for any other pair of distinct counts.
ImageSet convert_channels(const ImageSet& set, int64_t channels);

}  // namespace expt
