#include "layers/layer_planner.hpp"

#include <fmt/format.h>

#include "core/checked_arithmetic.hpp"
#include "core/error.hpp"

namespace expt {

std::string layer_where(const LayerSpec& spec, size_t index) {
  return fmt::format("model.layers[{}] ({} '{}')", index, to_string(spec.kind), spec.name);
}

const Shape& LayerPlanner::input_shape(size_t k) const {
  const int source = layer_.inputs.at(k);
  return source == network_input ? plan_.input : plan_.layers[static_cast<size_t>(source)].out;
}

void LayerPlanner::fail(const std::string& problem) const {
  throw ConfigError(fmt::format("{}: {}", where(), problem));
}

void LayerPlanner::overflow(const std::string& expression) const {
  fail(fmt::format("the size {} does not fit in 64 bits; a kernel, unit count or image this large cannot be planned",
                   expression));
}

int64_t LayerPlanner::product(std::initializer_list<int64_t> factors) const {
  if (const auto p = checked_product(factors)) return *p;
  overflow(fmt::format("{}", fmt::join(factors, " x ")));
}

int64_t LayerPlanner::sum(int64_t a, int64_t b) const {
  if (const auto s = checked_sum(a, b)) return *s;
  overflow(fmt::format("{} + {}", a, b));
}

void LayerPlanner::add_weight_and_bias(std::vector<int64_t> weight_dims, int64_t fan_in, int64_t fan_out) {
  const int64_t out = weight_dims.front();
  add_param("weight", std::move(weight_dims), spec().weight_init, fan_in, fan_out);
  if (spec().use_bias) add_param("bias", {out}, spec().bias_init, fan_in, fan_out);
}

void LayerPlanner::add_constant(const std::string& suffix, std::vector<int64_t> dims, double value, bool trainable) {
  InitSpec init{InitSpec::Kind::constant};
  init.value = value;
  add_param(suffix, std::move(dims), init, 1, 1, trainable);
}

void LayerPlanner::add_param(const std::string& suffix, std::vector<int64_t> dims, const InitSpec& init,
                             int64_t fan_in, int64_t fan_out, bool trainable) {
  // Checked here so that ParamSpec::size() and NetworkPlan::parameter_count() cannot overflow later.
  int64_t elements = 1;
  for (const int64_t d : dims) elements = product({elements, d});
  layer_.params.push_back(static_cast<int>(plan_.params.size()));
  plan_.params.push_back(ParamSpec{spec().name + "." + suffix, std::move(dims), init, fan_in, fan_out,
                                  trainable && spec().trainable, spec().lr_multiplier});
}

}  // namespace expt
