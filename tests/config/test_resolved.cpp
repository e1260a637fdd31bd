// Defaults, `units: classes`, and the resolved YAML that the run folder stores.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "config/schema.hpp"
#include "core/safetensors.hpp"
#include "layers/network_plan.hpp"
#include "config_test_support.hpp"
#include "yaml_compare.hpp"

using namespace expt;
using namespace expt::test;

namespace {

// Only what is required: every other key takes its default. One layer of each type.
const std::string every_layer_type = R"(data: {dataset: synthetic}
model:
  layers:
    - {type: conv2d, filters: 2, kernel: 3}
    - {type: max_pool}
    - {type: avg_pool}
    - {type: relu}
    - {type: dropout, rate: 0.5}
    - {type: spatial_dropout, rate: 0.25}
    - {type: leaky_relu}
    - {type: elu}
    - {type: gelu}
    - {type: tanh}
    - {type: sigmoid}
    - {type: silu}
    - {type: global_avg_pool}
    - {type: batch_norm}
    - {type: flatten}
    - {type: add, inputs: [batch_norm_1, flatten_1]}
    - {type: dense, units: classes}
)";

}  // namespace

TEST_CASE("keys left out take their documented defaults") {
  const ExperimentConfig c = load_config_text(every_layer_type, "configs/defaults.yaml");
  CHECK(c.name == "defaults");
  CHECK(c.seed == 0);
  CHECK(c.backend == "auto");
  CHECK(c.training.epochs == 10);
  CHECK(c.training.batch_size == 32);
  CHECK(c.training.optimizer.kind == OptimizerConfig::Kind::adam);
  CHECK(c.training.optimizer.learning_rate == 1e-3);
  CHECK(c.training.dropout);
  REQUIRE(c.layers.size() == 17);
  const LayerSpec& conv = c.layers[0];
  CHECK(conv.name == "conv2d_1");
  CHECK(conv.stride_h == 1);
  CHECK(conv.padding == Padding::same);
  CHECK(conv.weight_init.kind == InitSpec::Kind::truncated_normal);
  CHECK(conv.weight_init.stddev == 0.1);
  CHECK(conv.bias_init.kind == InitSpec::Kind::constant);
  CHECK(conv.bias_init.value == 0.0);
  const LayerSpec& pool = c.layers[1];
  CHECK(pool.name == "max_pool_1");
  CHECK(pool.kernel_h == 2);
  CHECK(pool.stride_h == 2);
  CHECK(pool.padding == Padding::valid);
  CHECK(conv.activation == Activation::none);
  CHECK(conv.alpha == 0.0);
  CHECK(c.layers[6].alpha == 0.01);  // leaky_relu, as PyTorch
  CHECK(c.layers[7].alpha == 1.0);   // elu
  CHECK(c.layers[13].momentum == 0.1);  // batch_norm, as PyTorch
  CHECK(c.layers[13].epsilon == 1e-5);
  CHECK(c.layers[16].name == "dense_1");
  CHECK(c.layers[15].inputs == std::vector<std::string>{"batch_norm_1", "flatten_1"});
}

TEST_CASE("pool stride follows the pool size unless given") {
  const std::string yaml = edited(every_layer_type, "{type: max_pool}", "{type: max_pool, size: 3}");
  CHECK(load_config_text(yaml, "test.yaml").layers[1].stride_h == 3);
  CHECK(load_config_text(yaml, "test.yaml", {"model.layers.1.stride=1"}).layers[1].stride_h == 1);
}

TEST_CASE("units: classes is the data set's class count, probed at load time") {
  const ExperimentConfig c = load_config_text(small_config, "test.yaml");
  CHECK(c.classes == 3);
  CHECK(c.class_names.size() == 3);
  CHECK(c.input == Shape{1, 8, 8});
  CHECK(c.layers[3].units == 3);
  CHECK(load_config_text(small_config, "test.yaml", {"data.synthetic.classes=5"}).layers[3].units == 5);
}

TEST_CASE("the resolved YAML reloads to the same config") {
  // Non-default values everywhere, so a key the writer forgot shows up as a difference.
  const std::string yaml = R"(name: roundtrip
seed: 123
backend: reference
threads: 3
precision: bf16
gpu: 1
results_dir: /tmp/results
vars: {side: 12}
data:
  dataset: synthetic
  classes: [a, b, c, d]
  test_fraction: 0.25
  image_size: [12, 10]
  channels: 3
  limit_train: 50
  limit_test: 20
  normalize: mean_image
  split: official
  test_root: /tmp/test-images
  resize: shorter_side_then_center_crop
  max_skipped_fraction: 0.5
  cache: false
  cache_dir: /tmp/cache
  augment:
    random_resized_crop: {scale: [0.5, 1]}
    random_crop: {padding: 2}
    hflip: true
    rotate: 10
    color_jitter: {brightness: 0.25, contrast: 0.125, saturation: 0.5}
  synthetic: {classes: 4, train: 99, test: 33}
model:
  layers:
    - {type: conv2d, name: c1, filters: 3, kernel: [3, 1], stride: [2, 1], padding: valid, activation: relu,
       use_bias: false, init: {weights: {uniform: {low: -0.5, high: 0.25}}, bias: {normal: {mean: 1, stddev: 2}}}}
    - {type: avg_pool, size: [2, 1], stride: 1, padding: same}
    - {type: relu}
    - {type: leaky_relu, alpha: 0.25}
    - {type: elu, alpha: 0.5}
    - {type: dropout, rate: 0.125}
    - {type: flatten}
    - {type: dense, units: 7, activation: leaky_relu, activation_alpha: 0.125, init: {weights: he_normal, bias: 0.5}}
    - {type: dense, units: 6, activation: gelu}
    - {type: dense, name: out, units: classes, init: {weights: glorot_uniform}}
training:
  epochs: 3
  batch_size: 7
  eval_batch_size: 11
  optimizer: {type: momentum, learning_rate: 0.125, weight_decay: 1.0e-4, momentum: 0.5, nesterov: true}
  schedule: {type: multistep, milestones: [1, 2.5], gamma: 0.5, warmup_epochs: 0.5}
  log_every_steps: 2
  dropout: false
  checkpoint_every_epochs: 0
  checkpoint_initial: true
  early_stopping: {metric: test_accuracy, patience: 2, min_delta: 0.25, restore_best: false}
tensorboard: {enabled: false, every_steps: 3, histograms_every_steps: 4, images_every_steps: 5, flush_seconds: 2.5}
)";
  const ExperimentConfig first = load_config_text(yaml, "test.yaml");
  const ExperimentConfig again = load_config_text(first.resolved_yaml, "resolved.yaml");
  CHECK(again.resolved_yaml == first.resolved_yaml);
  // The resolved text carries each non-default value (checked on the reloaded config).
  CHECK(again.name == "roundtrip");
  CHECK(again.seed == 123);
  CHECK(again.backend == "reference");
  CHECK(again.threads == 3);
  CHECK(again.precision == Precision::bf16);
  CHECK(again.gpu == 1);
  CHECK(again.results_dir == "/tmp/results");
  CHECK(again.data.classes.size() == 4);
  CHECK(again.data.test_fraction == 0.25);
  CHECK(again.data.image_height == 12);
  CHECK(again.data.image_width == 10);
  CHECK(again.data.channels == 3);
  CHECK(again.data.limit_train == 50);
  CHECK(again.data.limit_test == 20);
  CHECK(again.data.normalize == "mean_image");
  CHECK(again.data.split == "official");
  CHECK(again.data.test_root == "/tmp/test-images");
  CHECK(again.data.resize == "shorter_side_then_center_crop");
  CHECK(again.data.max_skipped_fraction == 0.5);
  CHECK_FALSE(again.data.cache);
  CHECK(again.data.cache_dir == "/tmp/cache");
  CHECK(again.data.augment.random_resized_crop_scale == std::vector<double>{0.5, 1});
  CHECK(again.data.augment.random_crop_padding == 2);
  CHECK(again.data.augment.hflip);
  CHECK(again.data.augment.rotate_degrees == 10);
  CHECK(again.data.augment.brightness == 0.25);
  CHECK(again.data.augment.contrast == 0.125);
  CHECK(again.data.augment.saturation == 0.5);
  CHECK(again.data.synthetic_train == 99);
  CHECK(again.data.synthetic_test == 33);
  const LayerSpec& c1 = again.layers[0];
  CHECK(c1.kernel_h == 3);
  CHECK(c1.kernel_w == 1);
  CHECK(c1.stride_h == 2);
  CHECK(c1.padding == Padding::valid);
  CHECK(c1.activation == Activation::relu);
  CHECK_FALSE(c1.use_bias);
  CHECK(c1.weight_init.kind == InitSpec::Kind::uniform);
  CHECK(c1.weight_init.low == -0.5);
  CHECK(c1.weight_init.high == 0.25);
  CHECK(c1.bias_init.kind == InitSpec::Kind::normal);
  CHECK(c1.bias_init.mean == 1);
  CHECK(c1.bias_init.stddev == 2);
  CHECK(again.layers[1].kernel_w == 1);
  CHECK(again.layers[1].stride_h == 1);
  CHECK(again.layers[1].padding == Padding::same);
  CHECK(again.layers[3].alpha == 0.25);
  CHECK(again.layers[4].alpha == 0.5);
  CHECK(again.layers[5].rate == 0.125);
  CHECK(again.layers[7].activation == Activation::leaky_relu);
  CHECK(again.layers[7].alpha == 0.125);
  CHECK(again.layers[7].weight_init.kind == InitSpec::Kind::he_normal);
  CHECK(again.layers[7].bias_init.value == 0.5);
  CHECK(again.layers[8].activation == Activation::gelu);
  CHECK(again.layers[9].name == "out");
  CHECK(again.layers[9].units == 4);
  const TrainingConfig& t = again.training;
  CHECK(t.epochs == 3);
  CHECK(t.batch_size == 7);
  CHECK(t.eval_batch_size == 11);
  CHECK(t.optimizer.kind == OptimizerConfig::Kind::momentum);
  CHECK(t.optimizer.learning_rate == 0.125);
  CHECK(t.optimizer.weight_decay == 1e-4);
  CHECK(t.optimizer.momentum == 0.5);
  CHECK(t.optimizer.nesterov);
  CHECK(t.schedule.kind == ScheduleConfig::Kind::multistep);
  CHECK(t.schedule.milestones == std::vector<double>{1, 2.5});
  CHECK(t.schedule.gamma == 0.5);
  CHECK(t.schedule.warmup_epochs == 0.5);
  CHECK(t.log_every_steps == 2);
  CHECK_FALSE(t.dropout);
  CHECK(t.checkpoint_every_epochs == 0);
  CHECK(t.checkpoint_initial);
  CHECK(t.early_stopping.enabled);
  CHECK(t.early_stopping.metric == EpochMetric::test_accuracy);
  CHECK(t.early_stopping.patience == 2);
  CHECK(t.early_stopping.min_delta == 0.25);
  CHECK_FALSE(t.early_stopping.restore_best);
  const TensorBoardConfig& tb = again.tensorboard;
  CHECK_FALSE(tb.enabled);
  CHECK(tb.every_steps == 3);
  CHECK(tb.histograms_every_steps == 4);
  CHECK(tb.images_every_steps == 5);
  CHECK(tb.flush_seconds == 2.5);
}

TEST_CASE("early stopping is off when absent or null, and then absent from the resolved YAML") {
  for (const auto& overrides : {std::vector<std::string>{}, std::vector<std::string>{"training.early_stopping=null"}}) {
    const ExperimentConfig c = load_config_text(every_layer_type, "test.yaml", overrides);
    CHECK_FALSE(c.training.early_stopping.enabled);
    CHECK_FALSE(YAML::Load(c.resolved_yaml)["training"]["early_stopping"]);
  }
  CHECK(load_config_text(every_layer_type, "test.yaml", {"training.early_stopping={}"}).training.early_stopping.enabled);
}

TEST_CASE("every schema default is what a config without that key gets") {
  // For each table: the overrides that select it and where its keys sit in the resolved YAML.
  using Locate = std::function<YAML::Node(const YAML::Node&)>;
  struct Probe {
    std::vector<std::string> overrides;
    Locate at;
  };
  const auto layer = [](int i) { return [i](const YAML::Node& r) { return r["model"]["layers"][i]; }; };
  const auto optimizer = [](const YAML::Node& r) { return r["training"]["optimizer"]; };
  const auto schedule = [](const YAML::Node& r) { return r["training"]["schedule"]; };
  std::map<std::string, Probe> probes{
      {"top", {{}, [](const YAML::Node& r) { return r; }}},
      {"data", {{}, [](const YAML::Node& r) { return r["data"]; }}},
      {"data.synthetic", {{}, [](const YAML::Node& r) { return r["data"]["synthetic"]; }}},
      {"data.augment", {{}, [](const YAML::Node& r) { return r["data"]["augment"]; }}},
      {"data.augment.random_resized_crop",
       {{}, [](const YAML::Node& r) { return r["data"]["augment"]["random_resized_crop"]; }}},
      {"data.augment.random_crop", {{}, [](const YAML::Node& r) { return r["data"]["augment"]["random_crop"]; }}},
      {"data.augment.color_jitter", {{}, [](const YAML::Node& r) { return r["data"]["augment"]["color_jitter"]; }}},
      {"model", {{}, [](const YAML::Node& r) { return r["model"]; }}},
      {"training", {{}, [](const YAML::Node& r) { return r["training"]; }}},
      {"tensorboard", {{}, [](const YAML::Node& r) { return r["tensorboard"]; }}},
      {"training.early_stopping",
       {{"training.early_stopping={}"}, [](const YAML::Node& r) { return r["training"]["early_stopping"]; }}},
      {"layer", {{}, layer(0)}},
      {"init", {{}, [](const YAML::Node& r) { return r["model"]["layers"][0]["init"]; }}},
      {"optimizer", {{}, optimizer}},
      {"schedule", {{}, schedule}},
  };
  const char* layer_order[] = {"conv2d", "max_pool", "avg_pool", "relu",    "dropout", "spatial_dropout",
                               "leaky_relu", "elu",  "gelu",     "tanh",    "sigmoid",
                               "silu",   "global_avg_pool", "batch_norm", "flatten", "add", "dense"};
  for (int i = 0; i < 17; ++i) probes[std::string("layer.") + layer_order[i]] = {{}, layer(i)};
  for (const auto* kind : {"truncated_normal", "normal", "uniform", "constant", "glorot_uniform", "glorot_normal",
                           "he_uniform", "he_normal"})
    probes[std::string("initializer.") + kind] = {
        {std::string("model.layers.0.init.weights=") + kind}, [kind](const YAML::Node& r) {
          const YAML::Node weights = r["model"]["layers"][0]["init"]["weights"];
          if (weights.IsScalar()) {  // constants and parameterless kinds are written bare
            YAML::Node params;
            if (std::string(kind) == "constant") params["value"] = weights;
            return params;
          }
          return YAML::Node(weights[kind]);
        }};
  for (const auto* kind : {"sgd", "momentum", "adam", "adamw"})
    probes[std::string("optimizer.") + kind] = {{std::string("training.optimizer.type=") + kind}, optimizer};
  for (const auto* kind : {"constant", "step", "exponential", "cosine"})
    probes[std::string("schedule.") + kind] = {{std::string("training.schedule.type=") + kind}, schedule};
  probes["schedule.multistep"] = {{"training.schedule={type: multistep, milestones: [1]}"}, schedule};

  // model.init_from needs a file that fits the network: zeros of every parameter's shape.
  const auto weights = std::filesystem::temp_directory_path() /
                       ("expt-resolved-init-from-" + std::to_string(::getpid()) + ".safetensors");
  {
    const ExperimentConfig plain = load_config_text(every_layer_type, "test.yaml");
    safetensors::File file;
    for (const ParamSpec& p : plan_network(plain.layers, plain.input, plain.classes).params)
      file.tensors[p.name] = {"F32", p.dims, std::vector<std::byte>(static_cast<size_t>(p.size()) * sizeof(float))};
    safetensors::write(weights, file);
  }
  probes["model.init_from"] = {{"model.init_from={path: " + weights.string() + "}"},
                               [](const YAML::Node& r) { return r["model"]["init_from"]; }};

  const std::set<std::pair<std::string, std::string>> set_by_the_test{{"data", "dataset"}};  // synthetic
  // Written only when not the default (so older configs keep their text and hash): giving the
  // default must leave the resolved text as it is without the key.
  const std::map<std::pair<std::string, std::string>, std::string> omitted_at_default{
      {{"training", "checkpoint_keep_every_epochs"}, "training.checkpoint_keep_every_epochs"},
      {{"layer", "trainable"}, "model.layers.0.trainable"},
      {{"layer", "lr_multiplier"}, "model.layers.0.lr_multiplier"}};
  // Written only when it is not the default, so older configs keep their hash; the test
  // "training.batch_norm: false ..." checks its default.
  const std::set<std::pair<std::string, std::string>> written_when_off{{"training", "batch_norm"}};
  for (const auto& table : config::schema_tables()) {
    CAPTURE(table.id);
    const auto probe = probes.find(table.id);
    REQUIRE_MESSAGE(probe != probes.end(), "no defaults check for schema table " << table.id);
    const ExperimentConfig c = load_config_text(every_layer_type, "test.yaml", probe->second.overrides);
    const YAML::Node resolved = YAML::Load(c.resolved_yaml);
    const YAML::Node at = probe->second.at(resolved);
    for (const auto& key : table.keys) {
      if (key.default_yaml.empty() || set_by_the_test.contains({table.id, key.key}) ||
          written_when_off.contains({table.id, key.key}))
        continue;
      CAPTURE(key.key);
      if (const auto omitted = omitted_at_default.find({table.id, key.key}); omitted != omitted_at_default.end()) {
        CHECK_FALSE(at[key.key]);
        std::vector<std::string> overrides = probe->second.overrides;
        overrides.push_back(omitted->second + "=" + key.default_yaml);
        CHECK(load_config_text(every_layer_type, "test.yaml", overrides).resolved_yaml == c.resolved_yaml);
        continue;
      }
      REQUIRE_MESSAGE(at[key.key], "the resolved YAML lacks " << key.key);
      CHECK_MESSAGE(same_yaml(at[key.key], YAML::Load(key.default_yaml)),
                    "schema says " << key.default_yaml << ", the config gets " << YAML::Dump(at[key.key]));
    }
  }
  std::filesystem::remove(weights);
}

TEST_CASE("training.batch_norm: false leaves every batch_norm layer out of the network, and is written only then") {
  const ExperimentConfig on = load_config_text(every_layer_type, "test.yaml");
  const ExperimentConfig off = load_config_text(every_layer_type, "test.yaml", {"training.batch_norm=false"});
  CHECK(on.training.batch_norm);
  CHECK_FALSE(off.training.batch_norm);
  CHECK(off.layers.size() == on.layers.size());  // the config keeps them
  const NetworkPlan with = plan_network(on.layers, on.input, on.classes, on.training.batch_norm);
  const NetworkPlan without = plan_network(off.layers, off.input, off.classes, off.training.batch_norm);
  CHECK(without.layers.size() + 1 == with.layers.size());
  for (const PlannedLayer& l : without.layers) CHECK(l.spec.kind != LayerKind::batch_norm);
  CHECK(without.params.size() + 5 == with.params.size());  // weight, bias, running mean and var, counter
  CHECK_FALSE(YAML::Load(on.resolved_yaml)["training"]["batch_norm"]);
  CHECK(YAML::Load(off.resolved_yaml)["training"]["batch_norm"].as<bool>() == false);
  CHECK_FALSE(load_config_text(off.resolved_yaml, "resolved.yaml").training.batch_norm);
  // An add naming a left-out batch_norm reads that layer's input instead: global_avg_pool's.
  const PlannedLayer& add = without.layers[without.layers.size() - 2];
  REQUIRE(add.spec.kind == LayerKind::add);
  CHECK(without.layers[static_cast<size_t>(add.inputs[0])].spec.kind == LayerKind::global_avg_pool);
  CHECK(without.layers[static_cast<size_t>(add.inputs[1])].spec.kind == LayerKind::flatten);
  // Errors still count layers in model.layers: the last dense layer is model.layers[16].
  const std::string bad = edited(every_layer_type, "{type: dense, units: classes}", "{type: dense, units: 1001}");
  CHECK_THROWS_WITH_AS(load_config_text(bad, "test.yaml", {"training.batch_norm=false"}),
                       doctest::Contains("model.layers[16] (dense 'dense_1'): produces 1001 outputs"), ConfigError);
}
