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
