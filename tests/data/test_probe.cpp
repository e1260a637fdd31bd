#include <doctest/doctest.h>

#include "core/error.hpp"
#include "data/dataset.hpp"
#include "installed_fashion_mnist.hpp"

using namespace expt;

TEST_CASE("probe: synthetic defaults to 1x28x28 with synthetic_classes classes") {
  DataConfig config;
  config.dataset = "synthetic";
  config.synthetic_classes = 4;
  const DatasetInfo info = probe_dataset(config, 7);
  CHECK(info.shape == Shape{1, 28, 28});
  CHECK(info.classes == 4);
  CHECK(info.class_names == std::vector<std::string>{"0", "1", "2", "3"});

  config.image_height = 16;
  config.image_width = 20;
  config.channels = 3;
  config.classes = {"a", "b", "c", "d"};
  const DatasetInfo sized = probe_dataset(config, 7);
  CHECK(sized.shape == Shape{3, 16, 20});
  CHECK(sized.class_names == config.classes);

  config.classes = {"a", "b"};
  CHECK_THROWS_AS(probe_dataset(config, 7), DataError);
}

TEST_CASE("probe: unknown data set is a DataError") {
  DataConfig config;
  config.dataset = "nonesuch";
  CHECK_THROWS_AS(probe_dataset(config, 0), DataError);
}

TEST_CASE("probe: real Fashion-MNIST") {
  auto config = installed_fashion_mnist();
  if (!config) return;
  const DatasetInfo info = probe_dataset(*config, 0);
  CHECK(info.shape == Shape{1, 28, 28});
  CHECK(info.classes == 10);
  CHECK(info.class_names.front() == "0");

  config->channels = 3;
  config->image_height = config->image_width = 32;
  CHECK(probe_dataset(*config, 0).shape == Shape{3, 32, 32});
}

TEST_CASE("shape: a size past 2^63 elements is a ConfigError naming the shape, not a wrapped number") {
  CHECK(Shape{3, 1 << 20, 1 << 20}.size() == int64_t{3} << 40);
  CHECK_THROWS_WITH_AS(Shape({1, 3037000500, 3037000500}).size(),
                       "shape 1x3037000500x3037000500 has more than 2^63 elements", ConfigError);
}
