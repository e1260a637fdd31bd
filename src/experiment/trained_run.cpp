#include "experiment/trained_run.hpp"

#include <cstring>

#include <fmt/format.h>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "core/safetensors.hpp"
#include "experiment/checkpoint.hpp"
#include "experiment/network_setup.hpp"
#include "experiment/report.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

// The run folder and the checkpoint `path` names.
std::pair<fs::path, fs::path> locate(const fs::path& path) {
  if (fs::is_directory(path)) {
    for (const char* name : {"best.safetensors", "last.safetensors"}) {
      const fs::path checkpoint = path / "checkpoints" / name;
      if (fs::is_regular_file(checkpoint)) return {path, checkpoint};
    }
    throw ReadError(fmt::format("{}: no checkpoints/best.safetensors or checkpoints/last.safetensors; is it a run "
                                "folder of `expt run`?",
                                path.string()));
  }
  if (!fs::is_regular_file(path)) throw ReadError(fmt::format("{}: no such run folder or checkpoint", path.string()));
  const fs::path folder = path.parent_path();
  return {folder.filename() == "checkpoints" ? folder.parent_path() : folder, path};
}

std::vector<float> floats_of(const safetensors::Tensor& t, const Shape& shape, const fs::path& file,
                             const char* name) {
  if (t.dtype != "F32" || t.shape != std::vector<int64_t>{shape.c, shape.h, shape.w})
    throw ReadError(fmt::format("{}: tensor '{}' is not F32 of the shape of `mean`", file.string(), name));
  std::vector<float> values(static_cast<size_t>(shape.size()));
  std::memcpy(values.data(), t.data.data(), t.data.size());
  return values;
}

// normalization.safetensors: `mean` and `inv_std` [C, H, W], whose shape is the network's input.
Normalization read_normalization(const fs::path& file, Shape& shape) {
  const safetensors::File f = safetensors::read(file);
  const auto mean = f.tensors.find("mean"), inv_std = f.tensors.find("inv_std");
  if (mean == f.tensors.end() || inv_std == f.tensors.end() || mean->second.shape.size() != 3)
    throw ReadError(fmt::format("{}: expected tensors `mean` and `inv_std` of shape [C, H, W]", file.string()));
  const std::vector<int64_t>& dims = mean->second.shape;
  shape = Shape{dims[0], dims[1], dims[2]};
  Normalization norm;
  const auto kind = f.metadata.find("kind");
  norm.kind = kind == f.metadata.end() ? "unknown" : kind->second;
  norm.mean = floats_of(mean->second, shape, file, "mean");
  norm.inv_std = floats_of(inv_std->second, shape, file, "inv_std");
  return norm;
}

}  // namespace

TrainedRun open_trained_run(const fs::path& path, const std::vector<std::string>& overrides) {
  TrainedRun run;
  std::tie(run.run_dir, run.checkpoint) = locate(path);
  const fs::path config_file = run.run_dir / "config.yaml";
  if (!fs::is_regular_file(config_file))
    throw ReadError(fmt::format("{}: missing; {} is not inside a run folder of `expt run`", config_file.string(),
                                run.checkpoint.string()));
  run.normalization = read_normalization(run.run_dir / "normalization.safetensors", run.input);
  run.class_names = read_report(run.run_dir / "report.json").class_names;
  if (run.class_names.size() < 2)
    throw ReadError(fmt::format("{}: `class_names` lists {} classes", (run.run_dir / "report.json").string(),
                                run.class_names.size()));
  std::vector<std::string> shapes_only = overrides;
  // The checkpoint holds every weight, so model.init_from's file need not exist any more.
  shapes_only.insert(shapes_only.end(),
                     {"model.init_from=null", "data.dataset=synthetic", fmt::format("data.synthetic.classes={}", run.class_names.size()),
                      "data.classes=[]", fmt::format("data.image_size=[{}, {}]", run.input.h, run.input.w),
                      fmt::format("data.channels={}", run.input.c)});
  run.config = load_config(config_file, shapes_only);
  return run;
}

TrainedNetwork build_trained_network(const TrainedRun& run, int64_t max_batch) {
  const ExperimentConfig& config = run.config;
  const NetworkPlan plan = plan_network(config);
  const NetworkOptions options = network_options(config, max_batch);
  TrainedNetwork trained;
  trained.backend = backend_for(config, plan, options);
  trained.network = trained.backend->build(plan, options);
  load_checkpoint(run.checkpoint, *trained.network, config.training.optimizer.kind);
  return trained;
}

}  // namespace expt
