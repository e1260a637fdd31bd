#include "data/normalize.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"

namespace expt {
namespace {

constexpr float kInv255 = 1.0f / 255.0f;

// Sums in exact integers, so the statistics do not depend on the summation order.
Normalization per_channel_mean(const ImageSet& train) {
  const Shape& shape = train.shape;
  const int64_t plane = shape.h * shape.w;
  std::vector<uint64_t> sum(static_cast<size_t>(shape.c)), sum_of_squares(static_cast<size_t>(shape.c));
  for (int64_t i = 0; i < train.size(); ++i) {
    const uint8_t* image = train.image(i).data();
    for (int64_t c = 0; c < shape.c; ++c) {
      uint64_t plane_sum = 0, plane_squares = 0;
      for (int64_t j = 0; j < plane; ++j) {
        const uint32_t v = image[c * plane + j];
        plane_sum += v;
        plane_squares += v * v;
      }
      sum[c] += plane_sum;
      sum_of_squares[c] += plane_squares;
    }
  }
  Normalization norm{"per_channel_mean", {}, {}};
  const double count = static_cast<double>(train.size() * plane);
  for (int64_t c = 0; c < shape.c; ++c) {
    const double mean = static_cast<double>(sum[c]) / count;
    const double variance = std::max(0.0, static_cast<double>(sum_of_squares[c]) / count - mean * mean);
    const double inv_std = variance > 0.0 ? 1.0 / std::sqrt(variance) : 1.0;
    norm.mean.insert(norm.mean.end(), static_cast<size_t>(plane), static_cast<float>(mean));
    norm.inv_std.insert(norm.inv_std.end(), static_cast<size_t>(plane), static_cast<float>(inv_std));
  }
  return norm;
}

Normalization mean_image(const ImageSet& train) {
  const auto elements = static_cast<size_t>(train.shape.size());
  std::vector<uint64_t> sum(elements);
  for (int64_t i = 0; i < train.size(); ++i) {
    const uint8_t* image = train.image(i).data();
    for (size_t j = 0; j < elements; ++j) sum[j] += image[j];
  }
  Normalization norm{"mean_image", std::vector<float>(elements), std::vector<float>(elements, kInv255)};
  for (size_t j = 0; j < elements; ++j)
    norm.mean[j] = static_cast<float>(static_cast<double>(sum[j]) / static_cast<double>(train.size()));
  return norm;
}

}  // namespace

Normalization compute_normalization(const ImageSet& train, std::string_view kind) {
  if (train.size() == 0) throw DataError("cannot compute the normalisation: the training split is empty");
  if (kind == "per_channel_mean") return per_channel_mean(train);
  if (kind == "mean_image") return mean_image(train);
  if (kind == "none") {
    const auto elements = static_cast<size_t>(train.shape.size());
    return Normalization{"none", std::vector<float>(elements, 0.0f), std::vector<float>(elements, kInv255)};
  }
  throw DataError(fmt::format("unknown normalisation '{}' (per_channel_mean | mean_image | none)", kind));
}

}  // namespace expt
