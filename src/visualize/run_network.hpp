#pragma once
// A finished run's network, rebuilt from its folder: config.yaml, normalization.safetensors and
// one of its checkpoints. What inspects a trained run starts here.
#include <filesystem>
#include <memory>

#include "backends/backend.hpp"
#include "config/experiment_config.hpp"
#include "data/dataset.hpp"
#include "layers/network_plan.hpp"

namespace expt {

struct RunNetwork {
  ExperimentConfig config;
  NetworkPlan plan;
  Normalization normalization;  // what the run's images went through before the first layer
  std::unique_ptr<Backend> backend;
  std::unique_ptr<Network> net;
};

// `checkpoint` is a path, or `last` / `best` for that file of the run. The data set need not
// be present (only its shapes matter), and model.init_from's file is not read again: the
// checkpoint holds every weight. The network runs batches of up to `max_batch` images.
// Throws ReadError for a missing or damaged run file, ConfigError for a config that no longer loads.
RunNetwork load_run_network(const std::filesystem::path& run_dir, const std::string& checkpoint, int64_t max_batch);

}  // namespace expt
