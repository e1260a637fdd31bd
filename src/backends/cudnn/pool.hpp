#pragma once
// max_pool and avg_pool with the backend's own kernels rather than cudnnPooling*: cuDNN pads
// symmetrically and counts padding into averages (or not) for the whole window, while the
// reference semantics are TensorFlow's asymmetric `same` padding with averages over the real
// pixels only, and max-pool gradients going to the first maximum. The kernels implement those
// rules directly (see kernels.hpp).
#include "backends/cudnn/device_allocator.hpp"
#include "backends/cudnn/layer.hpp"
#include "backends/cudnn/kernels.hpp"
#include "layers/network_plan.hpp"

namespace expt::cudnn {

class PoolLayer final : public GpuLayer {
 public:
  PoolLayer(const PlannedLayer& layer, int64_t max_batch, DeviceAllocator& allocator);

  void forward(const GpuContext& ctx, const ForwardArgs& args) override;
  void backward_data(const GpuContext& ctx, const BackwardArgs& args) override;

 private:
  PoolGeometry geometry(int64_t n) const;

  PlannedLayer layer_;
  DeviceBuffer argmax_;  // max_pool: which input each output came from, for backward
};

}  // namespace expt::cudnn
