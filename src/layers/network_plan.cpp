#include "layers/network_plan.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "core/checked_arithmetic.hpp"
#include "core/error.hpp"
#include "layers/layer_planner.hpp"
#include "layers/layer_registry.hpp"

namespace expt {

// plan_network checked that every parameter size, and their sum, fits in 64 bits.
int64_t ParamSpec::size() const {
  return std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
}

int64_t NetworkPlan::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : params)
    if (p.trainable) n += p.size();
  return n;
}
int64_t NetworkPlan::stored_count() const {
  int64_t n = 0;
  for (const auto& p : params) n += p.size();
  return n;
}

size_t NetworkPlan::first_trained_layer() const {
  for (size_t i = 0; i < layers.size(); ++i)
    for (int p : layers[i].params)
      if (params[static_cast<size_t>(p)].trainable) return i;
  return layers.size();
}

bool NetworkPlan::has_frozen_layers() const {
  return std::any_of(layers.begin(), layers.end(), [](const PlannedLayer& l) { return !l.spec.trainable; });
}

double NetworkPlan::forward_flops() const {
  double f = 0;
  for (const auto& l : layers) f += l.forward_flops;
  return f;
}
double NetworkPlan::train_flops() const {
  // Backward-data and backward-weights each cost about one forward for conv and dense layers.
  // Weight gradients exist for trained layers only, and no data gradient is needed at or below
  // the lowest trained layer: a frozen trunk costs its forward alone.
  const size_t first = first_trained_layer();
  double f = forward_flops();
  for (size_t i = first; i < layers.size(); ++i) {
    if (i > first) f += layers[i].forward_flops;
    const bool trained = std::any_of(layers[i].params.begin(), layers[i].params.end(),
                                     [&](int p) { return params[static_cast<size_t>(p)].trainable; });
    if (trained) f += layers[i].forward_flops;
  }
  return f;
}
// plan_network checked that this sum fits in 64 bits.
int64_t NetworkPlan::activation_floats() const {
  int64_t n = input.size();
  for (const auto& l : layers) n += l.out.size();
  return n;
}

std::vector<size_t> NetworkPlan::readers(int index) const {
  std::vector<size_t> out;
  for (size_t j = 0; j < layers.size(); ++j)
    if (std::find(layers[j].inputs.begin(), layers[j].inputs.end(), index) != layers[j].inputs.end()) out.push_back(j);
  return out;
}

bool NetworkPlan::is_chain() const {
  for (size_t j = 0; j < layers.size(); ++j)
    if (layers[j].inputs != std::vector<int>{static_cast<int>(j) - 1}) return false;
  for (size_t j = 0; j + 1 < layers.size(); ++j)
    if (readers(static_cast<int>(j)).size() != 1) return false;
  return true;
}

namespace {

// The index of the earlier layer (or the network input) that `name` names as layer `index`'s
// input; `key` is the config key that names it.
int resolve_input(const std::vector<LayerSpec>& layers, size_t index, const std::string& key, const std::string& name) {
  const std::string where = layer_where(layers[index], index);
  if (name == network_input_name) return network_input;
  const auto found = std::find_if(layers.begin(), layers.end(), [&](const LayerSpec& l) { return l.name == name; });
  if (found == layers.end())
    throw ConfigError(fmt::format("{}: {}: no layer is named '{}' (`{}` names the network's input)", where, key, name,
                                  network_input_name));
  const auto j = static_cast<size_t>(found - layers.begin());
  if (j == index)
    throw ConfigError(fmt::format("{}: {}: '{}' is this layer itself; a layer reads earlier layers only, so the model "
                                  "has no cycle",
                                  where, key, name));
  if (j > index)
    throw ConfigError(fmt::format("{}: {}: '{}' is a later layer ({}); a layer reads earlier layers only, so the "
                                  "model has no cycle",
                                  where, key, name, layer_where(*found, j)));
  return static_cast<int>(j);
}

std::vector<int> resolve_inputs(const std::vector<LayerSpec>& layers, size_t index) {
  const LayerSpec& s = layers[index];
  if (s.kind == LayerKind::add) {
    if (!s.input.empty())
      throw ConfigError(fmt::format("{}: input: an add reads the layers in `inputs`, not `input`",
                                    layer_where(s, index)));
    if (s.inputs.size() < 2)
      throw ConfigError(fmt::format("{}: inputs: names {} layer(s); an add sums two or more", layer_where(s, index),
                                    s.inputs.size()));
    std::vector<int> out;
    for (const auto& name : s.inputs) out.push_back(resolve_input(layers, index, "inputs", name));
    return out;
  }
  if (s.input.empty()) return {static_cast<int>(index) - 1};
  return {resolve_input(layers, index, "input", s.input)};
}

// A layer whose output no later layer reads would get no gradient: it is a mistake in `input`.
void check_every_output_read(const NetworkPlan& plan) {
  for (size_t i = 0; i + 1 < plan.layers.size(); ++i)
    if (plan.readers(static_cast<int>(i)).empty())
      throw ConfigError(fmt::format("{}: no later layer reads its output (each `input` names another layer); "
                                    "remove it or name it in an `input` or an add's `inputs`",
                                    layer_where(plan.layers[i].spec, i)));
}

}  // namespace

NetworkPlan plan_network(const std::vector<LayerSpec>& layers, Shape input, int64_t classes, bool batch_norm) {
  NetworkPlan plan;
  plan.input = input;
  plan.classes = classes;
  if (layers.empty()) throw ConfigError("model.layers is empty: a model needs at least one dense layer");
  if (input.c <= 0 || input.h <= 0 || input.w <= 0)
    throw ConfigError(fmt::format("input shape {} is empty", input.str()));
  const std::optional<int64_t> input_size = checked_product({input.c, input.h, input.w});
  if (!input_size)
    throw ConfigError(fmt::format("input shape {} has more elements than 64 bits can count", input.str()));

  int64_t activations = *input_size, parameters = 0;  // running totals, checked like every size
  // Config index -> the planned layer (or network_input) holding that layer's output: a left-out
  // batch_norm passes its input on, so `input:` and `inputs:` naming it read that instead.
  std::vector<int> output_of(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    std::vector<int> inputs = resolve_inputs(layers, i);
    for (int& from : inputs)
      if (from != network_input) from = output_of[static_cast<size_t>(from)];
    if (!batch_norm && layers[i].kind == LayerKind::batch_norm) {
      output_of[i] = inputs.front();
      continue;
    }
    output_of[i] = static_cast<int>(plan.layers.size());
    PlannedLayer pl;
    pl.spec = layers[i];
    pl.inputs = std::move(inputs);
    LayerPlanner planner(plan, pl, i);
    pl.in = planner.input_shape(0);
    layer_descriptor(pl.spec.kind).plan(planner);
    const int64_t out_size = planner.size(pl.out);
    if (fused_activation(pl.spec).kind != Activation::none) pl.forward_flops += static_cast<double>(out_size);
    activations = planner.sum(activations, out_size);
    for (const int p : pl.params) parameters = planner.sum(parameters, plan.params[static_cast<size_t>(p)].size());
    plan.layers.push_back(std::move(pl));
  }

  check_every_output_read(plan);
  // Checked on the config's last layer: a dense one is always planned, so it is plan.layers.back().
  const std::string where = layer_where(layers.back(), layers.size() - 1);
  if (layers.back().kind != LayerKind::dense || layers.back().activation != Activation::none)
    throw ConfigError(fmt::format(
        "{}: the last layer must be a dense layer without activation; its outputs are the logits "
        "that the softmax cross-entropy loss reads",
        where));
  const PlannedLayer& last = plan.layers.back();
  if (last.out.size() != classes)
    throw ConfigError(fmt::format("{}: produces {} outputs but the data set has {} classes (use `units: classes`)",
                                  where, last.out.size(), classes));
  return plan;
}

}  // namespace expt
