#pragma once
// The activation conv2d and dense apply to their own output, in place. Where its backward reads
// the activation's input (gelu, silu), forward keeps a copy of that input for backward.
#include <cstdint>

#include "backends/cudnn/device_allocator.hpp"
#include "backends/cudnn/layer.hpp"
#include "layers/activation.hpp"
#include "layers/network_plan.hpp"

namespace expt::cudnn {

class FusedActivation {
 public:
  FusedActivation(const PlannedLayer& layer, int64_t max_batch, DeviceAllocator& allocator);

  // y holds the layer's output before the activation and is overwritten with it after.
  void forward(const GpuContext& ctx, int64_t n, float* y);
  // Turns d(loss)/d(output) into d(loss)/d(pre-activation), in place.
  void backward(const GpuContext& ctx, int64_t n, const float* y, float* dy) const;

 private:
  ActivationFunction function_;
  int64_t size_;  // per sample
  DeviceBuffer input_;
};

// Per sample, the floats FusedActivation keeps: the pre-activation copy for gelu and silu.
int64_t fused_activation_floats(const PlannedLayer& layer);

}  // namespace expt::cudnn
