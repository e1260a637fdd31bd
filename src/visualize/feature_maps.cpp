#include "visualize/feature_maps.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "data/image_file.hpp"
#include "data/normalize.hpp"
#include "tensorboard/image_grid.hpp"

namespace expt {
namespace {

size_t layer_index(const NetworkPlan& plan, const std::string& layer) {
  std::vector<std::string> names;
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const PlannedLayer& l = plan.layers[i];
    if (layer.empty() ? l.spec.kind == LayerKind::conv2d : l.spec.name == layer) return i;
    names.push_back(l.spec.name);
  }
  if (layer.empty()) throw ConfigError("the run's network has no conv2d layer; name one with --layer");
  throw ConfigError(fmt::format("the run's network has no layer '{}'; its layers: {}", layer, fmt::join(names, ", ")));
}

// The image as the run's first layer saw its data: read and resized as image data sets load
// theirs, then the run's normalisation.
std::vector<float> image_as_input(const TrainedRun& run, const std::filesystem::path& path) {
  std::vector<uint8_t> pixels(static_cast<size_t>(run.input.size()));
  try {
    load_image_file(path, run.input, run.config.data.resize, pixels);
  } catch (const std::exception& e) {
    throw ReadError(fmt::format("cannot read image {}: {}", path.string(), e.what()));
  }
  std::vector<float> input(pixels.size());
  normalize_image(pixels, run.normalization, input);
  return input;
}

}  // namespace

Image8 feature_maps(const TrainedRun& run, Network& network, const std::filesystem::path& image,
                    const std::string& layer) {
  const NetworkPlan& plan = network.plan();
  const size_t index = layer_index(plan, layer);
  const std::vector<float> input = image_as_input(run, image);
  const int32_t label = 0;  // forward reports a loss; no label is known, and none is used here
  network.forward(HostBatch{1, input, std::span(&label, 1)}, Phase::eval, 0);
  const Shape out = plan.layers[index].out;
  std::vector<float> values(static_cast<size_t>(out.size()));
  network.read_activation(index, values);
  return feature_map_grid(values, out);
}

}  // namespace expt
