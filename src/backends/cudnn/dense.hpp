#pragma once
// dense through cuBLAS, with optional bias and fused activation. The input is read as [n, in] in
// the previous layer's C,H,W order (the implicit flatten), the weight is PyTorch's [out, in].
#include <optional>

#include "backends/cudnn/device_resources.hpp"
#include "backends/cudnn/fused_activation.hpp"
#include "backends/cudnn/layer.hpp"
#include "layers/network_plan.hpp"

namespace expt::cudnn {

class DenseLayer final : public GpuLayer {
 public:
  // `ones`: at least max_batch ones on the device, for the bias gradient as a GEMV.
  DenseLayer(const PlannedLayer& layer, int64_t max_batch, ParamPointers weight, std::optional<ParamPointers> bias,
             const float* ones, DeviceAllocator& allocator);

  void forward(const GpuContext& ctx, const ForwardArgs& args) override;
  void backward_weights(const GpuContext& ctx, const BackwardArgs& args) override;
  void backward_data(const GpuContext& ctx, const BackwardArgs& args) override;

 private:
  void describe_batch(int64_t n);

  PlannedLayer layer_;
  int inputs_, units_;
  ParamPointers weight_;
  std::optional<ParamPointers> bias_;
  const float* ones_;
  FusedActivation activation_;
  TensorDescriptor y_desc_ = make_tensor_descriptor();
  TensorDescriptor bias_desc_ = make_tensor_descriptor();
  int64_t described_n_ = 0;
};

}  // namespace expt::cudnn
