#include <doctest/doctest.h>

#include "config/flatten_config.hpp"

using namespace expt;

TEST_CASE("flatten: dotted keys like overrides; layers by name, scalar lists as one value") {
  const FlatConfig flat = flatten_config_text(R"(
name: x
data: {image_size: [28, 28], root: /d}
model:
  layers:
    - {type: conv2d, name: conv1, filters: 8}
    - {type: dropout, rate: 0.5}
training: {optimizer: {type: adam, learning_rate: 1.0e-3}, dropout: true}
)");
  CHECK(flat.at("data.image_size") == "[28, 28]");
  CHECK(flat.at("model.layers.conv1.filters") == "8");
  CHECK(flat.at("model.layers.1.rate") == "0.5");
  CHECK(flat.at("training.optimizer.learning_rate") == "1.0e-3");
  CHECK(flat.at("training.dropout") == "true");
}

TEST_CASE("flatten: values compare as text or as numbers") {
  CHECK(same_value("1e-3", "0.001"));
  CHECK(same_value("true", "true"));
  CHECK_FALSE(same_value("true", "false"));
  CHECK_FALSE(same_value("0.001", "0.0011"));
}
