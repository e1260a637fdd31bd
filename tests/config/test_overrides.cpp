// `key.path=value` overrides: applied before checking, addressed by index or layer name, and
// checked like keys in the file (but named by the override that set them).
#include <doctest/doctest.h>

#include "config_test_support.hpp"

using namespace expt;
using namespace expt::test;

namespace {
ExperimentConfig load(const std::vector<std::string>& overrides) {
  return load_config_text(small_config, "test.yaml", overrides);
}
}  // namespace

TEST_CASE("override by list index, dotted or bracketed") {
  CHECK(load({"model.layers.2.rate=0.5"}).layers[2].rate == 0.5);
  CHECK(load({"model.layers[2].rate=0.125"}).layers[2].rate == 0.125);
}

TEST_CASE("override by layer name, given or default") {
  const ExperimentConfig c = load({"model.layers.pool1.stride=1", "model.layers.dropout_1.rate=0.75"});
  CHECK(c.layers[1].stride_h == 1);
  CHECK(c.layers[1].kernel_h == 2);
  CHECK(c.layers[2].rate == 0.75);
}

TEST_CASE("override values are YAML: flow lists and maps work") {
  const ExperimentConfig c =
      load({"model.layers.conv1.kernel=[3, 1]", "training.optimizer={type: sgd, learning_rate: 0.5}"});
  CHECK(c.layers[0].kernel_h == 3);
  CHECK(c.layers[0].kernel_w == 1);
  CHECK(c.training.optimizer.kind == OptimizerConfig::Kind::sgd);
  CHECK(c.training.optimizer.learning_rate == 0.5);
}

TEST_CASE("override creates keys and sections the file leaves out") {
  const ExperimentConfig c = load({"training.schedule.type=cosine", "tensorboard.enabled=false", "seed=99"});
  CHECK(c.training.schedule.kind == ScheduleConfig::Kind::cosine);
  CHECK_FALSE(c.tensorboard.enabled);
  CHECK(c.seed == 99);
}

TEST_CASE("later overrides win") {
  CHECK(load({"training.epochs=3", "training.epochs=4"}).training.epochs == 4);
}

TEST_CASE("an override naming an unknown key errors with the nearest valid key") {
  CHECK(load_error(small_config, {"training.optimizer.learning_rat=0.1"}) ==
        "unknown key 'learning_rat' at training.optimizer (override 'training.optimizer.learning_rat=0.1'); "
        "did you mean 'learning_rate'?");
  CHECK(load_error(small_config, {"trainig.epochs=3"}) ==
        "unknown key 'trainig' at the top level (override 'trainig.epochs=3'); did you mean 'training'?");
}

TEST_CASE("an override's bad value names the override") {
  CHECK(load_error(small_config, {"training.epochs=-1"}) ==
        "value out of range at training.epochs (override 'training.epochs=-1'): expected epochs >= 1, got -1");
  CHECK(load_error(small_config, {"data.image_size=[8, x]"}).starts_with("wrong type at data.image_size (override"));
}

TEST_CASE("an override addressing a missing layer or a value") {
  CHECK(load_error(small_config, {"model.layers.pool9.stride=1"}) ==
        "override 'model.layers.pool9.stride=1': model.layers has no entry 'pool9'; did you mean 'pool1'?");
  CHECK(load_error(small_config, {"model.layers.12.rate=0.1"}).find("model.layers has no entry '12'") !=
        std::string::npos);
  CHECK(load_error(small_config, {"training.epochs.max=1"}) ==
        "override 'training.epochs.max=1': training.epochs is a value, not a map; it has no key 'max'");
}

TEST_CASE("malformed overrides") {
  CHECK(load_error(small_config, {"training.epochs"}).find("expected key.path=value") != std::string::npos);
  CHECK(load_error(small_config, {"training..epochs=1"}).find("empty segment") != std::string::npos);
  CHECK(load_error(small_config, {"training.epochs=[1"}).find("the value is not valid YAML") != std::string::npos);
}
