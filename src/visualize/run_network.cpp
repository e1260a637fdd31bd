#include "visualize/run_network.hpp"

#include <cstring>

#include <fmt/format.h>

#include "config/shapes_only.hpp"
#include "core/error.hpp"
#include "core/safetensors.hpp"
#include "experiment/checkpoint.hpp"
#include "experiment/network_setup.hpp"

namespace expt {
namespace {

std::vector<float> floats(const safetensors::File& file, const std::string& name, const std::filesystem::path& path) {
  const auto it = file.tensors.find(name);
  if (it == file.tensors.end() || it->second.dtype != "F32")
    throw ReadError(fmt::format("{} has no F32 tensor '{}'", path.string(), name));
  std::vector<float> values(it->second.data.size() / sizeof(float));
  std::memcpy(values.data(), it->second.data.data(), it->second.data.size());
  return values;
}

Normalization read_normalization(const std::filesystem::path& path, const Shape& input) {
  const safetensors::File file = safetensors::read(path);
  Normalization norm;
  const auto kind = file.metadata.find("kind");
  if (kind != file.metadata.end()) norm.kind = kind->second;
  norm.mean = floats(file, "mean", path);
  norm.inv_std = floats(file, "inv_std", path);
  const auto size = static_cast<size_t>(input.size());
  if (norm.mean.size() != size || norm.inv_std.size() != size)
    throw ReadError(fmt::format("{} does not match the {} input of the run's config", path.string(), input.str()));
  return norm;
}

}  // namespace

RunNetwork load_run_network(const std::filesystem::path& run_dir, const std::string& checkpoint, int64_t max_batch) {
  RunNetwork run;
  run.config = load_config_for_shapes(run_dir / "config.yaml", {"model.init_from=null"}).config;
  run.plan = plan_network(run.config.layers, run.config.input, run.config.classes);
  run.normalization = read_normalization(run_dir / "normalization.safetensors", run.config.input);
  const NetworkOptions options = network_options(run.config, max_batch);
  run.backend = backend_for(run.config, run.plan, options);
  run.net = run.backend->build(run.plan, options);
  const std::filesystem::path file = checkpoint == "last" || checkpoint == "best"
                                         ? run_dir / "checkpoints" / (checkpoint + ".safetensors")
                                         : std::filesystem::path(checkpoint);
  load_checkpoint(file, *run.net, run.config.training.optimizer.kind);
  return run;
}

}  // namespace expt
