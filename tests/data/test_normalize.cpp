#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "core/error.hpp"
#include "data/normalize.hpp"

using namespace expt;

namespace {

// Two 2x1x2 images: channel 0 holds 0, 10 and 20, 30; channel 1 is always 100.
ImageSet two_images() {
  ImageSet set;
  set.shape = Shape{2, 1, 2};
  set.pixels = {0, 10, 100, 100, /**/ 20, 30, 100, 100};
  set.labels = {1, 0};
  return set;
}

}  // namespace

TEST_CASE("normalize: per_channel_mean") {
  const Normalization norm = compute_normalization(two_images(), "per_channel_mean");
  CHECK(norm.kind == "per_channel_mean");
  // channel 0: mean 15, variance (0 + 100 + 400 + 900) / 4 - 225 = 125
  const float inv_std0 = static_cast<float>(1.0 / std::sqrt(125.0));
  CHECK(norm.mean == std::vector<float>{15, 15, 100, 100});
  CHECK(norm.inv_std == std::vector<float>{inv_std0, inv_std0, 1, 1});  // constant channel: 1
}

TEST_CASE("normalize: mean_image and none") {
  const Normalization mean_image = compute_normalization(two_images(), "mean_image");
  CHECK(mean_image.mean == std::vector<float>{10, 20, 100, 100});
  CHECK(mean_image.inv_std == std::vector<float>(4, 1.0f / 255.0f));
  const Normalization none = compute_normalization(two_images(), "none");
  CHECK(none.mean == std::vector<float>(4, 0.0f));
  CHECK(none.inv_std == std::vector<float>(4, 1.0f / 255.0f));
  CHECK_THROWS_AS(compute_normalization(two_images(), "zscore"), DataError);
  CHECK_THROWS_AS(compute_normalization(ImageSet{Shape{1, 1, 1}, {}, {}}, "none"), DataError);
}

TEST_CASE("assemble_batch writes (x - mean) * inv_std in index order") {
  const ImageSet set = two_images();
  const Normalization norm = compute_normalization(set, "per_channel_mean");
  const std::vector<int64_t> indices{1, 0, 1};
  std::vector<float> out(3 * 4);
  std::vector<int32_t> labels(3);
  assemble_batch(set, norm, indices, out, labels);
  CHECK(labels == std::vector<int32_t>{0, 1, 0});
  for (size_t k = 0; k < indices.size(); ++k)
    for (size_t j = 0; j < 4; ++j)
      CHECK(out[k * 4 + j] == (static_cast<float>(set.pixels[indices[k] * 4 + j]) - norm.mean[j]) * norm.inv_std[j]);
  CHECK(out[0] == doctest::Approx(5.0 / std::sqrt(125.0)));  // image 1, pixel 20
  CHECK(out[2] == 0.0f);                                     // the constant channel

  const std::vector<int64_t> outside{2};
  CHECK_THROWS_AS(assemble_batch(set, norm, outside, std::span(out).first(4), std::span(labels).first(1)),
                  std::out_of_range);
  CHECK_THROWS_AS(assemble_batch(set, norm, indices, std::span(out).first(8), labels), std::invalid_argument);
}
