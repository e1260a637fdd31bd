#pragma once
// Shared by the run tests: a fresh results folder per test and a quick synthetic config.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "backends/registry.hpp"
#include "experiment/run.hpp"

namespace expt {

inline std::filesystem::path fresh_results(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("expt-run-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

// A small synthetic problem that trains in about a second on the reference backend.
inline std::string quick_config(const std::filesystem::path& results, const std::string& extra = "") {
  return R"(
name: quick
seed: 7
backend: reference
results_dir: )" + results.string() + R"(
data: {dataset: synthetic, image_size: [12, 12], channels: 1, synthetic: {classes: 3, train: 240, test: 60}}
model:
  layers:
    - {type: conv2d, name: conv1, filters: 4, kernel: 3, activation: relu}
    - {type: max_pool, name: pool1, size: 2}
    - {type: dropout, name: drop1, rate: 0.25}
    - {type: dense, name: fc1, units: 16, activation: relu}
    - {type: dense, name: logits, units: classes}
training: {epochs: 6, batch_size: 20, optimizer: {type: adam, learning_rate: 0.01}, log_every_steps: 4}
tensorboard: {enabled: false}
)" + extra;
}

// The config's network on the reference backend, built as a run builds it.
inline std::unique_ptr<Network> reference_network(const ExperimentConfig& cfg) {
  NetworkOptions options;
  options.optimizer = cfg.training.optimizer;
  options.max_batch = cfg.training.batch_size;
  return make_backend("reference")->build(plan_network(cfg.layers, cfg.input, cfg.classes), options);
}

inline RunOptions quiet() {
  RunOptions o;
  o.quiet = true;
  return o;
}

}  // namespace expt
