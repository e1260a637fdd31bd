#include "visualize/feature_maps.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/regular_file.hpp"
#include "data/image_decode.hpp"
#include "data/normalize.hpp"
#include "data/resize.hpp"
#include "tensorboard/image_grid.hpp"

namespace expt {
namespace {

constexpr int64_t kMaxImageBytes = int64_t{256} << 20;

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

// The image as the run's first layer saw its data: the config's size, channels and resize mode,
// then the run's normalisation.
std::vector<float> network_input(const RunNetwork& run, const std::filesystem::path& path) {
  const Shape& shape = run.config.input;
  std::vector<uint8_t> bytes;
  DecodedImage decoded;
  try {
    bytes = read_regular_file(path, kMaxImageBytes, "an image file");
    decoded = decode_image(bytes, shape.c, shape.h, shape.w);
  } catch (const std::exception& e) {
    throw ReadError(fmt::format("cannot read image {}: {}", path.string(), e.what()));
  }
  std::vector<uint8_t> resized(static_cast<size_t>(shape.size()));
  resize_decoded(decoded, shape, run.config.data.resize, resized);
  std::vector<float> input(resized.size());
  normalize_image(resized, run.normalization, input);
  return input;
}

}  // namespace

Image8 feature_maps(RunNetwork& run, const std::filesystem::path& image, const std::string& layer) {
  const size_t index = layer_index(run.plan, layer);
  const std::vector<float> input = network_input(run, image);
  const int32_t label = 0;  // forward reports a loss; no label is known, and none is used here
  run.net->forward(HostBatch{1, input, std::span(&label, 1)}, Phase::eval, 0);
  const Shape out = run.plan.layers[index].out;
  std::vector<float> values(static_cast<size_t>(out.size()));
  run.net->read_activation(index, values);
  return feature_map_grid(values, out);
}

}  // namespace expt
