#include "layers/network_plan.hpp"

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
double NetworkPlan::forward_flops() const {
  double f = 0;
  for (const auto& l : layers) f += l.forward_flops;
  return f;
}
double NetworkPlan::train_flops() const {
  // Backward-data and backward-weights each cost about one forward for conv and dense layers;
  // the first layer needs no backward-data, which this estimate ignores.
  return 3.0 * forward_flops();
}
// plan_network checked that this sum fits in 64 bits.
int64_t NetworkPlan::activation_floats() const {
  int64_t n = input.size();
  for (const auto& l : layers) n += l.out.size();
  return n;
}

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
  for (size_t i = 0; i < layers.size(); ++i) {
    if (!batch_norm && layers[i].kind == LayerKind::batch_norm) continue;
    PlannedLayer pl;
    pl.spec = layers[i];
    pl.in = plan.layers.empty() ? input : plan.layers.back().out;
    LayerPlanner planner(plan, pl, i);
    layer_descriptor(pl.spec.kind).plan(planner);
    const int64_t out_size = planner.size(pl.out);
    if (fused_activation(pl.spec).kind != Activation::none) pl.forward_flops += static_cast<double>(out_size);
    activations = planner.sum(activations, out_size);
    for (const int p : pl.params) parameters = planner.sum(parameters, plan.params[static_cast<size_t>(p)].size());
    plan.layers.push_back(std::move(pl));
  }

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
