#pragma once
// A fully checked experiment: what `load_config` returns. Every field has the default that
// docs/config.md states; nothing here is validated again later.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/precision.hpp"
#include "core/shape.hpp"
#include "data/data_config.hpp"
#include "layers/layer_spec.hpp"
#include "layers/network_plan.hpp"
#include "optim/optimizer_config.hpp"

namespace expt {

// What picks a run's best epoch (for checkpoints/best.safetensors) and stops it early. Both are
// measured on the whole test set after each epoch.
enum class EpochMetric { test_loss, test_accuracy };

struct EarlyStoppingConfig {
  bool enabled = false;              // `training.early_stopping` is present
  EpochMetric metric = EpochMetric::test_loss;
  int64_t patience = 5;              // epochs without improvement before stopping
  double min_delta = 0;              // a smaller change than this is no improvement
  bool restore_best = true;          // end the run with the best epoch's weights
};

// `model.init_from`: parameters taken from a safetensors file after initialization, before the
// first step of a new run (a resumed run restores its own checkpoint instead).
struct InitFromConfig {
  std::filesystem::path path;                 // empty: off
  std::vector<std::string> layers;            // empty: every layer with parameters
  std::map<std::string, std::string> rename;  // the file's layer name -> ours
  bool strict = true;                         // every tensor of those layers in the file, and no other
};

struct TrainingConfig {
  int64_t epochs = 10;
  int64_t batch_size = 32;
  int64_t eval_batch_size = 0;      // 0 = batch_size
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  int64_t log_every_steps = 5;
  bool dropout = true;              // global switch: false turns every dropout layer off
  bool batch_norm = true;           // global switch: false leaves every batch_norm layer out of the network
  int64_t checkpoint_every_epochs = 1;
  bool checkpoint_initial = false;  // also save the untrained weights as checkpoints/step-0
  int64_t checkpoint_keep_every_epochs = 0;  // > 0: also keep checkpoints/epoch-<n> this often
  EarlyStoppingConfig early_stopping;
};

struct TensorBoardConfig {
  bool enabled = true;
  int64_t every_steps = 0;               // 0 = training.log_every_steps
  int64_t histograms_every_steps = 100;
  int64_t images_every_steps = 500;
  double flush_seconds = 10.0;
};

struct ExperimentConfig {
  std::string name;
  uint64_t seed = 0;
  std::string backend = "auto";          // auto | onednn | cudnn | reference
  int64_t threads = 0;                   // 0 = all cores
  Precision precision = Precision::fp32;
  int64_t gpu = 0;
  std::filesystem::path results_dir = "results";
  DataConfig data;
  std::vector<LayerSpec> layers;         // model.layers; `units: classes` already resolved
  InitFromConfig init_from;              // model.init_from
  TrainingConfig training;
  TensorBoardConfig tensorboard;

  // Resolved at load time from the data set (probe_dataset), so the model can be planned.
  Shape input;
  int64_t classes = 0;
  std::vector<std::string> class_names;

  std::filesystem::path source;          // the file it came from
  std::string resolved_yaml;             // after interpolation and overrides, as written to the run folder
};

// The network a loaded config describes: its layers on its input shape and classes, with
// `training.batch_norm` applied. Every command that builds or reads a run's network plans it so.
inline NetworkPlan plan_network(const ExperimentConfig& config) {
  return plan_network(config.layers, config.input, config.classes, config.training.batch_norm);
}

}  // namespace expt
