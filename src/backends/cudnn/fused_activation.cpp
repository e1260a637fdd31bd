#include "backends/cudnn/fused_activation.hpp"

#include <fmt/format.h>

#include "backends/cudnn/kernels.hpp"
#include "backends/cudnn/status_check.hpp"
#include "layers/layer_registry.hpp"

namespace expt::cudnn {

int64_t fused_activation_floats(const PlannedLayer& layer) {
  return backward_reads_input(fused_activation(layer.spec).kind) ? layer.out.size() : 0;
}

FusedActivation::FusedActivation(const PlannedLayer& layer, int64_t max_batch, DeviceAllocator& allocator)
    : function_(fused_activation(layer.spec)), size_(layer.out.size()) {
  if (const int64_t floats = fused_activation_floats(layer))
    input_ = allocator.allocate(fmt::format("layer '{}' (pre-activation)", layer.spec.name),
                                max_batch * floats * int64_t{sizeof(float)});
}

void FusedActivation::forward(const GpuContext& ctx, int64_t n, float* y) {
  if (function_.kind == Activation::none) return;
  const int64_t count = n * size_;
  const float* x = y;
  if (input_.get()) {
    EXPT_CUDA_CHECK(cudaMemcpyAsync(input_.floats(), y, count * sizeof(float), cudaMemcpyDeviceToDevice, ctx.stream));
    x = input_.floats();
  }
  activation_forward(ctx.stream, function_, count, x, y);
}

void FusedActivation::backward(const GpuContext& ctx, int64_t n, const float* y, float* dy) const {
  if (function_.kind == Activation::none) return;
  activation_backward(ctx.stream, function_, n * size_, input_.floats(), y, dy, dy);
}

}  // namespace expt::cudnn
