#include <doctest/doctest.h>

#include <algorithm>

#include "core/error.hpp"
#include "data/dataset.hpp"
#include "data/normalize.hpp"
#include "installed_fashion_mnist.hpp"

using namespace expt;

namespace {

DataConfig synthetic_config() {
  DataConfig config;
  config.dataset = "synthetic";
  config.synthetic_classes = 4;
  config.synthetic_train = 200;
  config.synthetic_test = 40;
  return config;
}

}  // namespace

TEST_CASE("load: limit_train and limit_test keep the first N") {
  DataConfig config = synthetic_config();
  const Dataset full = load_dataset(config, 5);
  config.limit_train = 30;
  config.limit_test = 7;
  const Dataset limited = load_dataset(config, 5);
  CHECK(limited.train.size() == 30);
  CHECK(limited.test.size() == 7);
  CHECK(limited.train.labels == std::vector(full.train.labels.begin(), full.train.labels.begin() + 30));
  CHECK(limited.test.pixels == std::vector(full.test.pixels.begin(), full.test.pixels.begin() + 7 * 784));
}

TEST_CASE("load: test_fraction replaces the test split with part of the training split") {
  DataConfig config = synthetic_config();
  config.test_fraction = 0.2;
  const Dataset a = load_dataset(config, 5), b = load_dataset(config, 5), c = load_dataset(config, 6);
  CHECK(a.train.size() == 160);
  CHECK(a.test.size() == 40);
  CHECK(a.test.pixels == b.test.pixels);
  CHECK(a.train.pixels == b.train.pixels);
  CHECK(a.test.pixels != c.test.pixels);

  // The held-out images are training images, not the synthetic test split.
  config.test_fraction = 0.0;
  const Dataset original = load_dataset(config, 5);
  const auto is_training_image = [&](std::span<const uint8_t> image) {
    for (int64_t i = 0; i < original.train.size(); ++i)
      if (std::equal(image.begin(), image.end(), original.train.image(i).begin())) return true;
    return false;
  };
  for (int64_t i = 0; i < a.test.size(); ++i) CHECK(is_training_image(a.test.image(i)));

  config.test_fraction = 0.2;
  config.limit_train = 50;
  config.limit_test = 10;
  const Dataset limited = load_dataset(config, 5);
  CHECK(limited.train.size() == 50);
  CHECK(limited.test.size() == 10);
}

TEST_CASE("load: the normalisation comes from the final training split only") {
  DataConfig config = synthetic_config();
  config.limit_train = 20;
  const Dataset data = load_dataset(config, 5);
  const Normalization expected = compute_normalization(data.train, "per_channel_mean");
  CHECK(data.normalization.kind == "per_channel_mean");
  CHECK(data.normalization.mean == expected.mean);
  CHECK(data.normalization.inv_std == expected.inv_std);
  CHECK(data.normalization.mean != compute_normalization(data.test, "per_channel_mean").mean);
}

TEST_CASE("load: real Fashion-MNIST") {
  const auto config = installed_fashion_mnist();
  if (!config) return;
  const Dataset data = load_dataset(*config, 0);
  CHECK(data.train.size() == 60000);
  CHECK(data.test.size() == 10000);
  CHECK(data.train.shape == Shape{1, 28, 28});
  CHECK(data.class_names.size() == 10);
  // Published statistics of the training images: mean 0.2860, std 0.3530 (of 1).
  CHECK(data.normalization.mean[0] / 255.0 == doctest::Approx(0.2860).epsilon(0.001));
  CHECK(1.0 / (data.normalization.inv_std[0] * 255.0) == doctest::Approx(0.3530).epsilon(0.001));
}
