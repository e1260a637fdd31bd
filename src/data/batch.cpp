// assemble_batch is on the training hot path: one pass per image over contiguous uint8 pixels
// and float mean/inv_std, written so the compiler vectorises it (no aliasing, no branches).
#include <stdexcept>

#include <fmt/format.h>

#include "data/dataset.hpp"
#include "data/normalize.hpp"

namespace expt {
namespace {

void normalize_elements(const uint8_t* __restrict pixels, const float* __restrict mean,
                        const float* __restrict inv_std, float* __restrict out, int64_t elements) {
  for (int64_t j = 0; j < elements; ++j) out[j] = (static_cast<float>(pixels[j]) - mean[j]) * inv_std[j];
}

}  // namespace

void normalize_image(std::span<const uint8_t> pixels, const Normalization& norm, std::span<float> out) {
  normalize_elements(pixels.data(), norm.mean.data(), norm.inv_std.data(), out.data(),
                     static_cast<int64_t>(norm.mean.size()));
}

void assemble_batch(const ImageSet& set, const Normalization& norm, std::span<const int64_t> indices,
                    std::span<float> out, std::span<int32_t> labels) {
  const int64_t elements = set.shape.size();
  const auto batch = static_cast<int64_t>(indices.size());
  // Caller bugs, not data problems: std::invalid_argument / std::out_of_range.
  if (static_cast<int64_t>(out.size()) != batch * elements || labels.size() != indices.size() ||
      static_cast<int64_t>(norm.mean.size()) != elements || static_cast<int64_t>(norm.inv_std.size()) != elements)
    throw std::invalid_argument(fmt::format(
        "assemble_batch: {} indices of {} images need {} floats and {} labels and a normalisation of {} "
        "values; got {} floats, {} labels, {} means, {} inverse deviations",
        batch, set.shape.str(), batch * elements, batch, elements, out.size(), labels.size(), norm.mean.size(),
        norm.inv_std.size()));
  for (int64_t k = 0; k < batch; ++k) {
    const int64_t i = indices[k];
    if (i < 0 || i >= set.size())
      throw std::out_of_range(fmt::format("assemble_batch: index {} outside a set of {} images", i, set.size()));
    normalize_image(set.image(i), norm, out.subspan(k * elements, elements));
    labels[k] = set.labels[i];
  }
}

}  // namespace expt
