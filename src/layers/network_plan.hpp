#pragma once
// Shape inference for a layer stack: output shapes, paddings, parameter shapes in PyTorch's
// layouts, FLOPs and memory. The plan is what every backend builds from; every size in it fits
// in 64 bits.
#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "layers/layer_spec.hpp"

namespace expt {

// A tensor the network holds for a layer: a learned parameter, or state that forward updates
// (batch norm's running statistics). Both are read and written, checkpointed and shown alike;
// only trainable ones have a gradient and optimizer state, and the optimizer skips the others.
struct ParamSpec {
  std::string name;            // PyTorch-style: "<layer>.weight" / "<layer>.bias" / "<layer>.running_mean"
  std::vector<int64_t> dims;   // conv [out, in, kh, kw]; dense [out, in]; bias [out]; a counter []
  InitSpec init;
  int64_t fan_in = 1, fan_out = 1;
  bool trainable = true;
  int64_t size() const;
};

struct PlannedLayer {
  LayerSpec spec;
  Shape in, out;
  // Explicit padding (TensorFlow `same` puts the odd pixel at the bottom/right).
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::vector<int> params;     // indices into NetworkPlan::params
  double forward_flops = 0;    // per sample; a multiply-add counts as 2
};

struct NetworkPlan {
  Shape input;
  int64_t classes = 0;
  std::vector<PlannedLayer> layers;
  std::vector<ParamSpec> params;

  int64_t parameter_count() const;        // trainable elements, as PyTorch counts parameters()
  double forward_flops() const;            // per sample
  double train_flops() const;              // per sample, forward + both backward passes (~3x)
  int64_t activation_floats() const;       // per sample: every layer's output kept for backward
};

// Throws ConfigError naming the layer (by name and position) when a shape does not work:
// a kernel larger than its padded input, a dense layer with no units, the last layer not
// producing `classes` outputs, a size that does not fit in 64 bits, and so on. Each layer's
// shape rule is its descriptor's (layers/kinds/). With batch_norm false the batch_norm layers are
// left out (`training.batch_norm: false`); errors still give each layer's index in `layers`.
NetworkPlan plan_network(const std::vector<LayerSpec>& layers, Shape input, int64_t classes, bool batch_norm = true);

}  // namespace expt
