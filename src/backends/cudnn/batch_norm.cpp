// cuDNN 9 marks these batch normalization calls deprecated in favour of its graph API; they
// remain supported, and are what PyTorch's cuDNN path calls.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include "backends/cudnn/batch_norm.hpp"

#include <fmt/format.h>

#include "backends/cudnn/status_check.hpp"

namespace expt::cudnn {

namespace {
constexpr float kOne = 1.0f, kZero = 0.0f;
}  // namespace

BatchNormLayer::BatchNormLayer(const PlannedLayer& layer, const BatchNormTensors& tensors, const float* one,
                               DeviceAllocator& allocator)
    : layer_(layer),
      tensors_(tensors),
      one_(one),
      mode_(layer.in.h * layer.in.w == 1 ? CUDNN_BATCHNORM_PER_ACTIVATION : CUDNN_BATCHNORM_SPATIAL),
      saved_(allocator.allocate(fmt::format("layer '{}' (batch statistics)", layer.spec.name),
                                saved_floats(layer) * int64_t{sizeof(float)})) {}

// cuDNN's backward always writes scale and shift gradients; a frozen layer, which has none,
// gives it two more channel vectors here to write them to.
int64_t BatchNormLayer::saved_floats(const PlannedLayer& layer) { return (layer.spec.trainable ? 2 : 4) * layer.in.c; }

void BatchNormLayer::describe(int64_t n) {
  if (n == described_n_) return;
  set_nchw(x_desc_.get(), n, layer_.in.c, layer_.in.h, layer_.in.w);
  EXPT_CUDNN_CHECK(cudnnDeriveBNTensorDescriptor(stats_desc_.get(), x_desc_.get(), mode_));
  described_n_ = n;
}

void BatchNormLayer::forward(const GpuContext& ctx, const ForwardArgs& args) {
  describe(args.n);
  const double epsilon = layer_.spec.epsilon;
  if (!args.train) {
    EXPT_CUDNN_CHECK(cudnnBatchNormalizationForwardInference(
        ctx.cudnn, mode_, &kOne, &kZero, x_desc_.get(), args.x, x_desc_.get(), args.y, stats_desc_.get(),
        tensors_.scale.value, tensors_.shift.value, tensors_.running_mean, tensors_.running_var, epsilon));
    return;
  }
  float* saved = saved_.floats();
  EXPT_CUDNN_CHECK(cudnnBatchNormalizationForwardTraining(
      ctx.cudnn, mode_, &kOne, &kZero, x_desc_.get(), args.x, x_desc_.get(), args.y, stats_desc_.get(),
      tensors_.scale.value, tensors_.shift.value, layer_.spec.momentum, tensors_.running_mean, tensors_.running_var,
      epsilon, saved, saved + layer_.in.c));
  EXPT_CUBLAS_CHECK(cublasSaxpy(ctx.cublas, 1, &kOne, one_, 1, tensors_.batches_tracked, 1));
}

void BatchNormLayer::backward_weights(const GpuContext& ctx, const BackwardArgs& args) {
  describe(args.n);
  float* saved = saved_.floats();
  const int64_t c = layer_.in.c;
  float* dscale = tensors_.scale.grad ? tensors_.scale.grad : saved + 2 * c;
  float* dshift = tensors_.shift.grad ? tensors_.shift.grad : saved + 3 * c;
  EXPT_CUDNN_CHECK(cudnnBatchNormalizationBackward(ctx.cudnn, mode_, &kOne, &kZero, &kOne, &kZero, x_desc_.get(), args.x,
                                                   x_desc_.get(), args.dy, x_desc_.get(), args.dx, stats_desc_.get(),
                                                   tensors_.scale.value, dscale, dshift, layer_.spec.epsilon, saved,
                                                   saved + c));
}

}  // namespace expt::cudnn
