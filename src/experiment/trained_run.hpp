#pragma once
// A finished (or stopped) run folder seen from outside training: which checkpoint to use, the
// model it holds, and the preprocessing its weights were trained with. `expt predict` and
// `expt export` start here.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"

#include "config/experiment_config.hpp"
#include "core/shape.hpp"
#include "data/dataset.hpp"

namespace expt {

struct TrainedRun {
  std::filesystem::path run_dir;     // holds config.yaml, normalization.safetensors, report.json
  std::filesystem::path checkpoint;  // the weights to use
  // The run's config with its data set replaced by generated images of the same shape and class
  // count, so the model can be built without the data; `data.resize` and everything outside
  // `data:` are the run's own.
  ExperimentConfig config;
  Normalization normalization;  // from normalization.safetensors: what the weights expect
  Shape input;                  // one image, as the network takes it
  std::vector<std::string> class_names;  // in label order, as report.json records them
};

// `path` is a run folder (its checkpoints/best.safetensors when present, else
// checkpoints/last.safetensors) or a checkpoint file inside one (`<run>/checkpoints/x.safetensors`).
// `overrides` are key.path=value settings applied on top of the run's config (e.g. `backend=reference`).
// Throws ReadError naming the file that is missing or malformed.
TrainedRun open_trained_run(const std::filesystem::path& path, const std::vector<std::string>& overrides);

// The run's network with the checkpoint's weights, built on the backend its config picks here
// (`backend` in the config, or an override of it) for batches of up to `max_batch` images.
// Throws BackendError or ReadError.
struct TrainedNetwork {
  std::unique_ptr<Backend> backend;  // outlives the network it built
  std::unique_ptr<Network> network;
};
TrainedNetwork build_trained_network(const TrainedRun& run, int64_t max_batch);

}  // namespace expt
