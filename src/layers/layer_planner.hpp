#pragma once
// One layer being planned: what its shape rule reads (spec, input shape) and fills (output
// shape, padding, parameters, FLOPs). Sizes come from the config and may be absurd, so every
// product goes through `product`, which names the layer instead of overflowing.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "layers/network_plan.hpp"

namespace expt {

// "model.layers[<index>] (<type> '<name>')": config errors about a layer start with this;
// load_config adds where the layer is written.
std::string layer_where(const LayerSpec&, size_t index);

class LayerPlanner {
 public:
  LayerPlanner(NetworkPlan& plan, PlannedLayer& layer, size_t index) : plan_(plan), layer_(layer), index_(index) {}

  const LayerSpec& spec() const { return layer_.spec; }
  const Shape& in() const { return layer_.in; }
  // The shape of the layer's k-th input (layer_.inputs[k]).
  const Shape& input_shape(size_t k) const;
  PlannedLayer& layer() { return layer_; }

  std::string where() const { return layer_where(spec(), index_); }
  // ConfigError "<where>: <problem>".
  [[noreturn]] void fail(const std::string& problem) const;

  // The product, or a ConfigError naming the layer when it does not fit in 64 bits.
  int64_t product(std::initializer_list<int64_t> factors) const;
  int64_t size(const Shape& s) const { return product({s.c, s.h, s.w}); }
  int64_t sum(int64_t a, int64_t b) const;  // likewise, for running totals

  // "<name>.weight" with `weight_dims` ([out, ...]) and, with use_bias, "<name>.bias" [out].
  void add_weight_and_bias(std::vector<int64_t> weight_dims, int64_t fan_in, int64_t fan_out);
  // "<name>.<suffix>" starting at `value`: a learned parameter, or state that forward updates.
  void add_constant(const std::string& suffix, std::vector<int64_t> dims, double value, bool trainable);

 private:
  [[noreturn]] void overflow(const std::string& expression) const;
  void add_param(const std::string& suffix, std::vector<int64_t> dims, const InitSpec& init, int64_t fan_in,
                 int64_t fan_out, bool trainable = true);

  NetworkPlan& plan_;
  PlannedLayer& layer_;
  size_t index_;
};

}  // namespace expt
