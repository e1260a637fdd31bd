// Every kind of mistake in a config file yields a ConfigError that names the file, the line
// and column, the key path and what was expected.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "config_test_support.hpp"

using namespace expt;
using namespace expt::test;

TEST_CASE("the small config loads") {
  const ExperimentConfig c = load_config_text(small_config, "test.yaml");
  CHECK(c.name == "small");
  CHECK(c.layers.size() == 4);
}

TEST_CASE("a misspelled key names the nearest valid key and its position") {
  const std::string yaml = edited(small_config, "learning_rate:", "learning_rat:");
  CHECK(load_error(yaml) == "unknown key 'learning_rat' at training.optimizer (" + position_of(yaml, "learning_rat") +
                                "); did you mean 'learning_rate'?");
}

TEST_CASE("an unknown key far from every valid one lists the valid keys") {
  const std::string yaml = edited(small_config, "epochs: 2", "speed: 2");
  const std::string message = load_error(yaml);
  CHECK(message.find("unknown key 'speed' at training (" + position_of(yaml, "speed")) != std::string::npos);
  CHECK(message.find("expected one of: epochs, batch_size") != std::string::npos);
}

TEST_CASE("a key of another layer type is unknown for this one") {
  const std::string yaml = edited(small_config, "filters: 4", "filters: 4, rate: 0.5");
  CHECK(load_error(yaml).starts_with("unknown key 'rate' at model.layers[0] (" + position_of(yaml, "rate: 0.5")));
}

TEST_CASE("a value of the wrong type") {
  const std::string yaml = edited(small_config, "epochs: 2", "epochs: two");
  CHECK(load_error(yaml) ==
        "wrong type at training.epochs (" + position_of(yaml, "two") + "): expected an integer, got 'two'");
  CHECK(load_error(edited(small_config, "kernel: 3", "kernel: [3, 3, 3]"))
            .starts_with("wrong type at model.layers[0].kernel"));
  CHECK(load_error(edited(small_config, "seed: 7", "seed: {a: 1}")).find("expected an integer, got a map") !=
        std::string::npos);
}

TEST_CASE("a value outside the allowed set names the nearest allowed value") {
  const std::string yaml = edited(small_config, "type: adam", "type: adan");
  CHECK(load_error(yaml) == "invalid value at training.optimizer.type (" + position_of(yaml, "adan") +
                                "): expected sgd | momentum | adam | adamw, got 'adan'; did you mean 'adam'?");
  CHECK(load_error(edited(small_config, "type: conv2d", "type: conv3d")).find("did you mean 'conv2d'?") !=
        std::string::npos);
  CHECK(load_error(edited(small_config, "seed: 7", "seed: 7\nprecision: fp64")).find("did you mean 'fp32'?") !=
        std::string::npos);
}

TEST_CASE("a value out of range") {
  std::string yaml = edited(small_config, "rate: 0.25", "rate: 1.5");
  CHECK(load_error(yaml) == "value out of range at model.layers[2].rate (" + position_of(yaml, "1.5") +
                                "): expected 0 <= rate < 1, got 1.5");
  yaml = edited(small_config, "epochs: 2", "epochs: -3");
  CHECK(load_error(yaml) == "value out of range at training.epochs (" + position_of(yaml, "-3") +
                                "): expected epochs >= 1, got -3");
  CHECK(load_error(edited(small_config, "learning_rate: 0.01", "learning_rate: 0"))
            .find("expected learning_rate > 0, got 0") != std::string::npos);
  CHECK(load_error(edited(small_config, "kernel: 3", "kernel: [3, 0]")).find("expected each >= 1, got 0") !=
        std::string::npos);
}

TEST_CASE("a missing required key") {
  const std::string yaml = edited(small_config, "filters: 4, ", "");
  CHECK(load_error(yaml) == "missing key 'filters' at model.layers[0] (" + position_of(yaml, "{type: conv2d") +
                                "): output channels");
  CHECK(load_error("seed: 1\n").starts_with("missing key 'model' at the top level (test.yaml:1:1)"));
}

TEST_CASE("a shape that does not fit names the layer and its line") {
  const std::string yaml = edited(small_config, "size: 2", "size: 20");
  const std::string message = load_error(yaml);
  CHECK(message.starts_with("model.layers[1] (max_pool 'pool1')"));
  CHECK(message.find("does not fit") != std::string::npos);
  CHECK(message.ends_with(fmt::format("({})", position_of(yaml, "{type: max_pool"))));
}

TEST_CASE("a size beyond 64 bits is an error naming the layer and its line, not an overflow") {
  const std::string yaml = edited(small_config, "kernel: 3", "kernel: 9223372036854775807");
  const std::string message = load_error(yaml);
  CHECK(message.starts_with("model.layers[0] (conv2d 'conv1'): the size "));
  CHECK(message.find("does not fit in 64 bits") != std::string::npos);
  CHECK(message.ends_with(fmt::format("({})", position_of(yaml, "{type: conv2d"))));
  CHECK(load_error(edited(small_config, "image_size: 8", "image_size: 4000000000"))
            .ends_with("input shape 1x4000000000x4000000000 has more elements than 64 bits can count"));
}

TEST_CASE("the last layer must produce one output per class") {
  const std::string yaml = edited(small_config, "units: classes", "units: 5");
  const std::string message = load_error(yaml);
  CHECK(message.find("produces 5 outputs but the data set has 3 classes") != std::string::npos);
  CHECK(message.ends_with(fmt::format("({})", position_of(yaml, "{type: dense"))));
}

TEST_CASE("layer names are checked and unique") {
  std::string yaml = edited(small_config, "name: pool1", "name: conv1");
  CHECK(load_error(yaml).starts_with("duplicate layer name at model.layers[1].name (" +
                                     position_of(yaml, "conv1, size") + "): 'conv1' is also the name of "
                                                                        "model.layers[0] (" +
                                     position_of(yaml, "{type: conv2d") + ")"));
  // An explicit name that collides with a default one: the second dropout is `dropout_2`.
  yaml = edited(small_config, "name: pool1", "name: dropout_1");
  CHECK(load_error(yaml).starts_with("duplicate layer name at model.layers[2]"));
  CHECK(load_error(edited(small_config, "name: pool1", "name: pool.1")).starts_with("invalid layer name"));
  CHECK(load_error(edited(small_config, "name: pool1", "name: '12'")).starts_with("invalid layer name"));
}

TEST_CASE("initializer mistakes") {
  std::string yaml = edited(small_config, "activation: relu}", "activation: relu, init: {weights: {truncated_normal: {stdev: 0.1}}}}");
  CHECK(load_error(yaml) == "unknown key 'stdev' at model.layers[0].init.weights.truncated_normal (" +
                                position_of(yaml, "stdev") + "); did you mean 'stddev'?");
  yaml = edited(small_config, "activation: relu}", "activation: relu, init: {weights: glorot_unifrom}}");
  CHECK(load_error(yaml).find("did you mean 'glorot_uniform'?") != std::string::npos);
  yaml = edited(small_config, "activation: relu}", "activation: relu, init: {weights: {uniform: {low: 1, high: 0}}}}");
  CHECK(load_error(yaml).find("uniform needs low < high") != std::string::npos);
  yaml = edited(small_config, "activation: relu}", "activation: relu, init: {bias: [1]}}");
  CHECK(load_error(yaml).starts_with("wrong type at model.layers[0].init.bias"));
}

TEST_CASE("schedule milestones must increase") {
  const std::string yaml = edited(small_config, "  batch_size: 5", "  batch_size: 5\n  schedule: {type: multistep, milestones: [2, 1]}");
  CHECK(load_error(yaml).find("milestones must be strictly increasing") != std::string::npos);
  CHECK(load_error(edited(small_config, "  batch_size: 5", "  batch_size: 5\n  schedule: {type: multistep}"))
            .starts_with("missing key 'milestones' at training.schedule"));
  CHECK(load_error(edited(small_config, "  batch_size: 5", "  batch_size: 5\n  schedule: {type: cosine, gamma: 0.5}"))
            .starts_with("unknown key 'gamma' at training.schedule"));
}

TEST_CASE("malformed YAML is reported with file:line:col") {
  const std::string yaml = edited(small_config, "  batch_size: 5", "  batch_size: 5: 6");
  CHECK(load_error(yaml) == "test.yaml:12:16: malformed YAML: illegal map value");
  CHECK(load_error("").starts_with("test.yaml: the config is empty"));
  CHECK(load_error("- a\n- b\n").starts_with("test.yaml:1:1: expected a map"));
}

TEST_CASE("a missing file") {
  try {
    load_config("/nonexistent/pets.yaml");
    FAIL("loaded a missing file");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "cannot read config file '/nonexistent/pets.yaml': no such file");
  }
}

TEST_CASE("a duplicate key") {
  const std::string yaml = edited(small_config, "  batch_size: 5", "  batch_size: 5\n  batch_size: 6");
  CHECK(load_error(yaml).starts_with("duplicate key 'batch_size' at training (test.yaml:13:3)"));
}

TEST_CASE("augmentation crop scale is [min, max] within (0, 1]") {
  const auto config_with = [&](const std::string& scale) {
    return edited(small_config, "data: {dataset: synthetic, image_size: 8, ",
                  "data: {dataset: synthetic, image_size: 8, augment: {random_resized_crop: {scale: " + scale + "}}, ");
  };
  CHECK(load_config_text(config_with("[0.25, 1]"), "test.yaml").data.augment.random_resized_crop_scale[0] == 0.25);
  CHECK(load_error(config_with("[0.5, 0.25]")).find("expected [min, max] with min <= max") != std::string::npos);
  CHECK(load_error(config_with("[0.5, 2]")).find("expected 0 < each <= 1, got 2") != std::string::npos);
}

TEST_CASE("activation mistakes name the nearest activation, key or layer type") {
  std::string yaml = edited(small_config, "activation: relu", "activation: leaky_rleu");
  CHECK(load_error(yaml) == "invalid value at model.layers[0].activation (" + position_of(yaml, "leaky_rleu") +
                                "): expected none | relu | leaky_relu | elu | gelu | tanh | sigmoid | silu, got "
                                "'leaky_rleu'; did you mean 'leaky_relu'?");
  yaml = edited(small_config, "activation: relu", "activation: leaky_relu, activation_alpa: 0.2");
  CHECK(load_error(yaml).starts_with("unknown key 'activation_alpa' at model.layers[0] (" +
                                     position_of(yaml, "activation_alpa") + "); did you mean 'activation_alpha'?"));
  yaml = edited(small_config, "activation: relu", "activation: elu, activation_alpha: -1");
  CHECK(load_error(yaml) == "value out of range at model.layers[0].activation_alpha (" + position_of(yaml, "-1") +
                                "): expected activation_alpha >= 0, got -1");
  yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: sigmod}");
  CHECK(load_error(yaml).find("did you mean 'sigmoid'?") != std::string::npos);
  yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: gelu, alpha: 0.5}");
  CHECK(load_error(yaml).starts_with("unknown key 'alpha' at model.layers[2] (" + position_of(yaml, "alpha")));
  yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: global_avg_pool, size: 3}");
  CHECK(load_error(yaml).starts_with("unknown key 'size' at model.layers[2] (" + position_of(yaml, "size: 3")));
}

TEST_CASE("a fused activation's alpha defaults to PyTorch's for that activation") {
  const auto alpha_of = [](const std::string& activation) {
    return load_config_text(edited(small_config, "activation: relu", "activation: " + activation), "test.yaml")
        .layers[0]
        .alpha;
  };
  CHECK(alpha_of("leaky_relu") == 0.01);
  CHECK(alpha_of("elu") == 1.0);
  CHECK(alpha_of("gelu") == 0.0);
  CHECK(alpha_of("leaky_relu, activation_alpha: 0.2") == 0.2);
}

TEST_CASE("early stopping: patience 0, an unknown metric or key and a negative min_delta name the file, line and key") {
  const auto with = [](const std::string& stopping) {
    return edited(small_config, "  batch_size: 5\n", "  batch_size: 5\n  early_stopping: " + stopping + "\n");
  };
  std::string yaml = with("{metric: test_loss, patience: 0}");
  const std::string key_at = position_of(yaml, "patience: 0");  // the value is 10 columns further
  const size_t colon = key_at.rfind(':') + 1;
  const std::string value_at = key_at.substr(0, colon) + std::to_string(std::stoi(key_at.substr(colon)) + 10);
  CHECK(load_error(yaml) == "value out of range at training.early_stopping.patience (" + value_at +
                                "): expected patience >= 1, got 0");
  yaml = with("{metric: accuracy}");
  CHECK(load_error(yaml).starts_with("invalid value at training.early_stopping.metric (" + position_of(yaml, "accuracy") +
                                     "): expected test_loss | test_accuracy, got 'accuracy'"));
  yaml = with("{min_delta: -0.1}");
  CHECK(load_error(yaml).starts_with("value out of range at training.early_stopping.min_delta (" +
                                     position_of(yaml, "-0.1") + ")"));
  yaml = with("{patience: 3, restore: true}");
  CHECK(load_error(yaml) == "unknown key 'restore' at training.early_stopping (" + position_of(yaml, "restore:") +
                                "); expected one of: metric, patience, min_delta, restore_best");
  CHECK(load_error(with("5")).starts_with("wrong type at training.early_stopping"));
}

TEST_CASE("batch norm: momentum outside [0, 1] and epsilon <= 0 are range errors at their value") {
  std::string yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: batch_norm, momentum: 1.5}");
  CHECK(load_error(yaml) == "value out of range at model.layers[2].momentum (" + position_of(yaml, "1.5") +
                                "): expected 0 <= momentum <= 1, got 1.5");
  yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: batch_norm, epsilon: 0}");
  CHECK(load_error(yaml).starts_with("value out of range at model.layers[2].epsilon ("));
  CHECK(load_error(yaml).ends_with("expected epsilon > 0, got 0"));
}

TEST_CASE("batch norm after a dense layer with a training batch of 1 names the layer and its line") {
  std::string yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: dense, units: 6}\n    - {type: batch_norm}");
  yaml = edited(yaml, "batch_size: 5", "batch_size: 1");
  const std::string message = load_error(yaml);
  CHECK(message.starts_with("model.layers[3] (batch_norm 'batch_norm_1'): training.batch_size is 1"));
  CHECK(message.ends_with(fmt::format("({})", position_of(yaml, "{type: batch_norm"))));
  // After a conv each channel still has H*W values per batch.
  yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: batch_norm}");
  CHECK_NOTHROW(load_config_text(edited(yaml, "batch_size: 5", "batch_size: 1"), "test.yaml"));
}

TEST_CASE("spatial_dropout: rate is required and checked like dropout's, and the input must have planes") {
  std::string yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: spatial_dropout, rate: 1.5}");
  CHECK(load_error(yaml) == "value out of range at model.layers[2].rate (" + position_of(yaml, "1.5") +
                                "): expected 0 <= rate < 1, got 1.5");
  yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: spatial_dropout, rate: -0.5}");
  CHECK(load_error(yaml).starts_with("value out of range at model.layers[2].rate (" + position_of(yaml, "-0.5")));
  yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: spatial_dropout}");
  CHECK(load_error(yaml) == "missing key 'rate' at model.layers[2] (" + position_of(yaml, "{type: spatial_dropout") +
                                "): fraction of channels dropped");
  CHECK_NOTHROW(load_config_text(edited(small_config, "{type: dropout, rate: 0.25}", "{type: spatial_dropout, rate: 0}"),
                                 "test.yaml"));
  // After a dense layer (a vector, 6x1x1) there are no channels of pixels to drop.
  yaml = edited(small_config, "{type: dropout, rate: 0.25}",
                "{type: dense, units: 6}\n    - {type: spatial_dropout, rate: 0.25}");
  std::string message = load_error(yaml);
  CHECK(message.starts_with("model.layers[3] (spatial_dropout 'spatial_dropout_1'): needs a C x H x W input"));
  CHECK(message.find("its input is 6x1x1") != std::string::npos);
  CHECK(message.ends_with(fmt::format("({})", position_of(yaml, "{type: spatial_dropout"))));
  yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: global_avg_pool}\n    - {type: spatial_dropout, rate: 0.25}");
  CHECK(load_error(yaml).starts_with("model.layers[3] (spatial_dropout 'spatial_dropout_1'): needs a C x H x W input"));
}
