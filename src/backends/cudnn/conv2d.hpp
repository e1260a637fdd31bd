#pragma once
// conv2d through cuDNN, with optional bias and fused activation.
//
// cuDNN pads symmetrically only. TensorFlow's `same` puts the odd pixel of padding at the
// bottom/right, so when top != bottom or left != right this layer copies its input into a
// zero-bordered buffer (kernels.cu pad_nchw) and convolves that without padding; backward-data
// writes the padded gradient into the same buffer (no longer needed once backward-weights has
// run) and crops it. Symmetric padding goes straight to cuDNN.
#include <map>
#include <optional>

#include "backends/cudnn/conv_algorithms.hpp"
#include "backends/cudnn/device_allocator.hpp"
#include "backends/cudnn/device_resources.hpp"
#include "backends/cudnn/fused_activation.hpp"
#include "backends/cudnn/layer.hpp"
#include "backends/cudnn/kernels.hpp"
#include "layers/network_plan.hpp"

namespace expt::cudnn {

bool needs_explicit_padding(const PlannedLayer& layer);
// Per sample, floats of the zero-bordered input copy; 0 when cuDNN pads by itself.
int64_t padded_input_floats(const PlannedLayer& layer);

class ConvLayer final : public GpuLayer {
 public:
  ConvLayer(const PlannedLayer& layer, int64_t max_batch, ParamPointers weight, std::optional<ParamPointers> bias,
            DeviceAllocator& allocator);

  // Runs cuDNN's algorithm search for batch n within ctx's workspace and remembers the result;
  // returns the workspace the chosen algorithms need. The network calls it at build time for
  // max_batch with a generous search workspace, then sizes the real one from the answers.
  size_t choose_algorithms(const GpuContext& ctx, int64_t n, const float* x, float* y, Scratch scratch);

  void forward(const GpuContext& ctx, const ForwardArgs& args) override;
  void backward_weights(const GpuContext& ctx, const BackwardArgs& args) override;
  void backward_data(const GpuContext& ctx, const BackwardArgs& args) override;

 private:
  void describe_batch(int64_t n);
  PadGeometry pad_geometry(int64_t n) const;
  const float* conv_input(const float* x) const { return padded_.get() ? padded_.floats() : x; }

  PlannedLayer layer_;
  ParamPointers weight_;
  std::optional<ParamPointers> bias_;
  DeviceBuffer padded_;  // explicit padding only: the padded input, then the padded input gradient
  FusedActivation activation_;

  TensorDescriptor x_desc_ = make_tensor_descriptor();  // the (padded) input cuDNN convolves
  TensorDescriptor y_desc_ = make_tensor_descriptor();
  TensorDescriptor bias_desc_ = make_tensor_descriptor();
  FilterDescriptor w_desc_ = make_filter_descriptor();
  ConvolutionDescriptor conv_desc_ = make_convolution_descriptor();
  int64_t described_n_ = 0;

  std::map<int64_t, ConvAlgorithms> algorithms_;  // by batch size
  const ConvAlgorithms* current_ = nullptr;       // the last forward's
};

}  // namespace expt::cudnn
