#pragma once
// batch_norm with cuDNN's batch normalization: spatial (per channel over N*H*W) after a conv,
// per activation (per unit over N) after a dense layer. cuDNN updates the running mean and the
// unbiased running variance by `momentum` itself, as PyTorch does.
#include "backends/cudnn/device_allocator.hpp"
#include "backends/cudnn/device_resources.hpp"
#include "backends/cudnn/layer.hpp"
#include "layers/network_plan.hpp"

namespace expt::cudnn {

// The layer's tensors in plan order (scale, shift, running mean, running variance, batch counter).
struct BatchNormTensors {
  ParamPointers scale, shift;
  float* running_mean = nullptr;
  float* running_var = nullptr;
  float* batches_tracked = nullptr;
};

class BatchNormLayer final : public GpuLayer {
 public:
  // `one` points to a device float 1, added to the batch counter each training step.
  BatchNormLayer(const PlannedLayer& layer, const BatchNormTensors& tensors, const float* one,
                 DeviceAllocator& allocator);

  // Device floats the layer keeps besides its parameters (the memory plan counts them).
  static int64_t saved_floats(const PlannedLayer& layer);

  void forward(const GpuContext& ctx, const ForwardArgs& args) override;
  // The data, scale and shift gradients come from one call, made here so that it also runs when
  // the network's backward stops below this layer.
  void backward_weights(const GpuContext& ctx, const BackwardArgs& args) override;
  void backward_data(const GpuContext&, const BackwardArgs&) override {}

 private:
  void describe(int64_t n);

  PlannedLayer layer_;
  BatchNormTensors tensors_;
  const float* one_;
  cudnnBatchNormMode_t mode_;
  // The last training batch's mean and inverse standard deviation, [2, C]; when frozen, then the
  // scale and shift gradients cuDNN computes and nothing reads, [2, C].
  DeviceBuffer saved_;
  TensorDescriptor x_desc_ = make_tensor_descriptor();
  TensorDescriptor stats_desc_ = make_tensor_descriptor();
  int64_t described_n_ = 0;
};

}  // namespace expt::cudnn
