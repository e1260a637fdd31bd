#include "backends/cudnn/elementwise.hpp"

#include "backends/cudnn/kernels.hpp"
#include "backends/cudnn/status_check.hpp"
#include "core/philox.hpp"
#include "layers/layer_registry.hpp"

namespace expt::cudnn {

ActivationLayer::ActivationLayer(const PlannedLayer& layer)
    : function_(layer_activation(layer.spec)), size_(layer.out.size()) {}

void ActivationLayer::forward(const GpuContext& ctx, const ForwardArgs& args) {
  activation_forward(ctx.stream, function_, args.n * size_, args.x, args.y);
}

void ActivationLayer::backward_data(const GpuContext& ctx, const BackwardArgs& args) {
  activation_backward(ctx.stream, function_, args.n * size_, args.x, args.y, args.dy, args.dx);
}

DropoutLayer::DropoutLayer(const PlannedLayer& layer, uint32_t layer_index, uint64_t seed, bool enabled)
    : size_(layer.out.size()),
      channels_(layer.spec.kind == LayerKind::spatial_dropout ? layer.out.c : 0),
      plane_(layer.spec.kind == LayerKind::spatial_dropout ? layer.out.h * layer.out.w : 0),
      layer_index_(layer_index), seed_(seed), rate_(layer.spec.rate),
      enabled_(enabled && layer.spec.rate > 0.0) {}

philox::DropoutMask DropoutLayer::last_mask() const {
  return philox::dropout_mask(seed_, layer_index_, last_step_, rate_);
}

void DropoutLayer::apply(const GpuContext& ctx, int64_t n, const float* in, float* out) const {
  const int64_t count = n * size_;
  if (!last_forward_dropped_) {
    EXPT_CUDA_CHECK(cudaMemcpyAsync(out, in, count * sizeof(float), cudaMemcpyDeviceToDevice, ctx.stream));
    return;
  }
  if (channels_ > 0)
    spatial_dropout_apply(ctx.stream, last_mask(), n * channels_, plane_, in, out);
  else
    dropout_apply(ctx.stream, last_mask(), count, in, out);
}

void DropoutLayer::forward(const GpuContext& ctx, const ForwardArgs& args) {
  last_forward_dropped_ = enabled_ && args.train;
  last_step_ = args.step;
  apply(ctx, args.n, args.x, args.y);
}

void DropoutLayer::backward_data(const GpuContext& ctx, const BackwardArgs& args) {
  apply(ctx, args.n, args.dy, args.dx);
}

AddLayer::AddLayer(const PlannedLayer& layer, std::vector<const float*> inputs)
    : inputs_(std::move(inputs)), size_(layer.out.size()) {}

void AddLayer::forward(const GpuContext& ctx, const ForwardArgs& args) {
  const int64_t count = args.n * size_;
  EXPT_CUDA_CHECK(cudaMemcpyAsync(args.y, inputs_[0], count * int64_t{sizeof(float)}, cudaMemcpyDeviceToDevice,
                                  ctx.stream));
  for (size_t k = 1; k < inputs_.size(); ++k) accumulate(ctx.stream, count, inputs_[k], args.y);
}

}  // namespace expt::cudnn
