#include "backends/cudnn/conv2d.hpp"

#include <fmt/format.h>

#include "backends/cudnn/status_check.hpp"
#include "core/error.hpp"

namespace expt::cudnn {

bool needs_explicit_padding(const PlannedLayer& l) {
  return l.pad_top != l.pad_bottom || l.pad_left != l.pad_right;
}

int64_t padded_input_floats(const PlannedLayer& l) {
  if (!needs_explicit_padding(l)) return 0;
  return l.in.c * (l.in.h + l.pad_top + l.pad_bottom) * (l.in.w + l.pad_left + l.pad_right);
}

ConvLayer::ConvLayer(const PlannedLayer& layer, int64_t max_batch, ParamPointers weight,
                     std::optional<ParamPointers> bias, DeviceAllocator& allocator)
    : layer_(layer), weight_(weight), bias_(bias), activation_(layer, max_batch, allocator) {
  const LayerSpec& s = layer_.spec;
  if (needs_explicit_padding(layer_))
    padded_ = allocator.allocate(fmt::format("layer '{}' (padded input)", s.name),
                                 max_batch * padded_input_floats(layer_) * int64_t{sizeof(float)});
  const bool explicit_pad = padded_.get() != nullptr;
  EXPT_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w_desc_.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                              static_cast<int>(s.filters), static_cast<int>(layer_.in.c),
                                              static_cast<int>(s.kernel_h), static_cast<int>(s.kernel_w)));
  EXPT_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
      conv_desc_.get(), explicit_pad ? 0 : static_cast<int>(layer_.pad_top),
      explicit_pad ? 0 : static_cast<int>(layer_.pad_left), static_cast<int>(s.stride_h), static_cast<int>(s.stride_w),
      1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  set_nchw(bias_desc_.get(), 1, s.filters, 1, 1);
  describe_batch(1);

  // The plan's shapes and cuDNN's must agree, or every later call would read out of bounds.
  int n = 0, c = 0, h = 0, w = 0;
  EXPT_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(conv_desc_.get(), x_desc_.get(), w_desc_.get(), &n, &c, &h, &w));
  if (c != layer_.out.c || h != layer_.out.h || w != layer_.out.w)
    throw BackendError(fmt::format("cudnn backend: layer '{}': cuDNN computes a {}x{}x{} output, the plan {}", s.name,
                                   c, h, w, layer_.out.str()));
}

PadGeometry ConvLayer::pad_geometry(int64_t n) const {
  return PadGeometry{n, layer_.in.c, layer_.in.h, layer_.in.w, layer_.pad_top, layer_.pad_left, layer_.pad_bottom,
                     layer_.pad_right};
}

void ConvLayer::describe_batch(int64_t n) {
  if (n == described_n_) return;
  const PadGeometry g = pad_geometry(n);
  if (padded_.get())
    set_nchw(x_desc_.get(), n, g.c, g.padded_h(), g.padded_w());
  else
    set_nchw(x_desc_.get(), n, g.c, g.h, g.w);
  set_nchw(y_desc_.get(), n, layer_.out.c, layer_.out.h, layer_.out.w);
  described_n_ = n;
}

size_t ConvLayer::choose_algorithms(const GpuContext& ctx, int64_t n, const float* x, float* y, Scratch scratch) {
  describe_batch(n);
  // With explicit padding the padded buffer stands in for both x and dx: its contents are
  // rewritten by pad_nchw before the real forward runs.
  const ConvSearchTensors t{x_desc_.get(), conv_input(x), w_desc_.get(), weight_.value, conv_desc_.get(),
                            y_desc_.get(), y, scratch.a, padded_.get() ? padded_.floats() : scratch.b, weight_.grad};
  const ConvAlgorithms chosen = find_conv_algorithms(ctx, t, layer_.spec.name);
  algorithms_[n] = chosen;
  return chosen.workspace_bytes;
}

void ConvLayer::forward(const GpuContext& ctx, const ForwardArgs& args) {
  if (!algorithms_.contains(args.n)) choose_algorithms(ctx, args.n, args.x, args.y, args.scratch);
  describe_batch(args.n);
  current_ = &algorithms_.at(args.n);
  if (padded_.get()) pad_nchw(ctx.stream, pad_geometry(args.n), args.x, padded_.floats());

  const float one = 1.0f, zero = 0.0f;
  EXPT_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_desc_.get(), current_->forward_math));
  EXPT_CUDNN_CHECK(cudnnConvolutionForward(ctx.cudnn, &one, x_desc_.get(), conv_input(args.x), w_desc_.get(),
                                           weight_.value, conv_desc_.get(), current_->forward, ctx.workspace,
                                           ctx.workspace_bytes, &zero, y_desc_.get(), args.y));
  if (bias_) EXPT_CUDNN_CHECK(cudnnAddTensor(ctx.cudnn, &one, bias_desc_.get(), bias_->value, &one, y_desc_.get(), args.y));
  activation_.forward(ctx, args.n, args.y);
}

void ConvLayer::backward_weights(const GpuContext& ctx, const BackwardArgs& args) {
  describe_batch(args.n);
  activation_.backward(ctx, args.n, args.y, args.dy);
  if (!weight_.grad) return;  // frozen: backward-data still needs the activation's backward
  const float one = 1.0f, zero = 0.0f;
  if (bias_)
    EXPT_CUDNN_CHECK(cudnnConvolutionBackwardBias(ctx.cudnn, &one, y_desc_.get(), args.dy, &zero, bias_desc_.get(),
                                                  bias_->grad));
  EXPT_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_desc_.get(), current_->backward_filter_math));
  EXPT_CUDNN_CHECK(cudnnConvolutionBackwardFilter(ctx.cudnn, &one, x_desc_.get(), conv_input(args.x), y_desc_.get(),
                                                  args.dy, conv_desc_.get(), current_->backward_filter, ctx.workspace,
                                                  ctx.workspace_bytes, &zero, w_desc_.get(), weight_.grad));
}

void ConvLayer::backward_data(const GpuContext& ctx, const BackwardArgs& args) {
  describe_batch(args.n);
  const float one = 1.0f, zero = 0.0f;
  float* dx = padded_.get() ? padded_.floats() : args.dx;
  EXPT_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_desc_.get(), current_->backward_data_math));
  EXPT_CUDNN_CHECK(cudnnConvolutionBackwardData(ctx.cudnn, &one, w_desc_.get(), weight_.value, y_desc_.get(), args.dy,
                                                conv_desc_.get(), current_->backward_data, ctx.workspace,
                                                ctx.workspace_bytes, &zero, x_desc_.get(), dx));
  if (padded_.get()) crop_nchw(ctx.stream, pad_geometry(args.n), padded_.floats(), args.dx);
}

}  // namespace expt::cudnn
