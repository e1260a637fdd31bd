#pragma once
// Activations, dropout, spatial dropout and flatten: layers without parameters that keep the NCHW order.
#include <vector>

#include "backends/cudnn/layer.hpp"
#include "backends/cudnn/kernels.hpp"
#include "layers/network_plan.hpp"

namespace expt::cudnn {

// relu, leaky_relu, elu, gelu, tanh, sigmoid and silu.
class ActivationLayer final : public GpuLayer {
 public:
  explicit ActivationLayer(const PlannedLayer& layer);
  void forward(const GpuContext& ctx, const ForwardArgs& args) override;
  void backward_data(const GpuContext& ctx, const BackwardArgs& args) override;

 private:
  ActivationFunction function_;
  int64_t size_;
};

// Inverted dropout, per element or (spatial_dropout) per channel, whose mask is recomputed from
// Philox in backward, so it costs no memory and matches every other backend bit for bit. Eval,
// the global switch off, or rate 0: identity.
class DropoutLayer final : public GpuLayer {
 public:
  DropoutLayer(const PlannedLayer& layer, uint32_t layer_index, uint64_t seed, bool enabled);
  void forward(const GpuContext& ctx, const ForwardArgs& args) override;
  void backward_data(const GpuContext& ctx, const BackwardArgs& args) override;

 private:
  philox::DropoutMask last_mask() const;
  void apply(const GpuContext& ctx, int64_t n, const float* in, float* out) const;

  int64_t size_;
  int64_t channels_, plane_;  // spatial_dropout's decision units per sample, and their size; 0 for dropout
  uint32_t layer_index_;
  uint64_t seed_;
  double rate_;
  bool enabled_;
  bool last_forward_dropped_ = false;
  uint64_t last_step_ = 0;
};

// The sum of several earlier outputs, whose device pointers the network gives at construction.
// Backward computes nothing: the network passes the output gradient to every input itself.
class AddLayer final : public GpuLayer {
 public:
  AddLayer(const PlannedLayer& layer, std::vector<const float*> inputs);
  void forward(const GpuContext& ctx, const ForwardArgs& args) override;
  void backward_data(const GpuContext&, const BackwardArgs&) override {}

 private:
  std::vector<const float*> inputs_;
  int64_t size_;
};

// The data already is in C,H,W order: the output is the input's memory.
class FlattenLayer final : public GpuLayer {
 public:
  bool output_aliases_input() const override { return true; }
  void forward(const GpuContext&, const ForwardArgs&) override {}
  void backward_data(const GpuContext&, const BackwardArgs&) override {}
};

}  // namespace expt::cudnn
