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
  bool trainable = true;        // false: state, or a frozen layer's parameter (`trainable: false`)
  double lr_multiplier = 1.0;  // the layer's `lr_multiplier`: the optimizer's step scales the learning rate by it
  int64_t size() const;
};

// In PlannedLayer::inputs: the network's input rather than a layer's output.
inline constexpr int network_input = -1;

struct PlannedLayer {
  LayerSpec spec;
  // The layers whose outputs this one reads, by index, each before this one (or network_input):
  // the previous layer unless the config says otherwise; an add's several inputs in its order.
  std::vector<int> inputs;
  Shape in, out;  // `in`: the shape of the (first) input
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

  int64_t parameter_count() const;        // trainable elements, as PyTorch counts parameters() that require grad
  int64_t stored_count() const;           // every tensor's elements: trainable, frozen and state
  // The lowest layer with a trainable parameter (layers.size() when none): training needs no
  // gradient below its input, so backward passes may stop there.
  size_t first_trained_layer() const;
  bool has_frozen_layers() const;         // some layer has `trainable: false`
  double forward_flops() const;            // per sample
  // Per sample: forward, weight gradients of trained layers, and data gradients above the
  // lowest trained layer (about 3x the forward without frozen layers).
  double train_flops() const;
  int64_t activation_floats() const;       // per sample: every layer's output kept for backward
  // The layers that read layer `index`'s output (network_input: the network's input), in order.
  std::vector<size_t> readers(int index) const;
  // True when each layer reads only the layer before it: a plain stack, no branch.
  bool is_chain() const;
};

// Throws ConfigError naming the layer (by name and position) when a shape does not work:
// a kernel larger than its padded input, a dense layer with no units, the last layer not
// producing `classes` outputs, a size that does not fit in 64 bits, an input that names no
// earlier layer, a layer whose output nothing reads, and so on. Each layer's shape rule is its
// descriptor's (layers/kinds/). With batch_norm false the batch_norm layers are left out
// (`training.batch_norm: false`), and a layer reading one reads its input instead; errors still
// give each layer's index in `layers`.
NetworkPlan plan_network(const std::vector<LayerSpec>& layers, Shape input, int64_t classes, bool batch_norm = true);

}  // namespace expt
