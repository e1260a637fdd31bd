// conv2d: convolution forward with bias and activation fused, backward-data and backward-weights
// (with bias gradient, docs/onednn-notes.md §2) created with the forward as hint; the rest is WeightedPass.
// 3x3 stride-1 convolutions run in expt's own Winograd kernel (winograd_conv.hpp), in all three
// directions, where its shapes and oneDNN's layouts allow. A first layer with up to 4 input
// channels computes its weight gradient in small_input_weight_gradient.hpp.
#include <algorithm>

#include "backends/onednn/cpu_isa.hpp"
#include "backends/onednn/small_input_weight_gradient.hpp"
#include "backends/onednn/weighted_pass.hpp"
#include "backends/onednn/winograd_conv.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

class ConvPass final : public WeightedPass {
 public:
  ConvPass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx)
      : WeightedPass(index, planned, ctx) {
    const LayerSpec& s = planned.spec;
    const int64_t n = ctx.n;
    const memory::dims strides{s.stride_h, s.stride_w};
    const memory::dims pad_l{planned.pad_top, planned.pad_left}, pad_r{planned.pad_bottom, planned.pad_right};
    const memory::dims weight_dims{s.filters, planned.in.c, s.kernel_h, s.kernel_w};
    const memory::desc src_any({n, planned.in.c, planned.in.h, planned.in.w}, ctx.compute, tag::any);
    const memory::desc weights_any(weight_dims, ctx.compute, tag::any);
    // Bias and weight gradients stay fp32 in bf16 training; the kernels write them in a
    // non-interleaved fp32 layout (docs/onednn-notes.md §3), moved into the master layout after.
    const memory::desc diff_weights_any(weight_dims, f32, tag::any);
    const memory::desc bias_any = s.use_bias ? memory::desc({s.filters}, f32, tag::any) : memory::desc();
    const memory::desc dst_any({n, planned.out.c, planned.out.h, planned.out.w}, ctx.compute, tag::any);
    // `auto` lets oneDNN pick Winograd F(4x4, 3x3) where it can (3x3, stride 1, fp32): half the
    // time of direct on the seed network's 32- and 64-channel convolutions. Its rounding differs
    // from direct by about 1e-6 of the tensor's largest value; fp32_strict keeps direct. Winograd
    // pads channels to blocks of 16, so a 3-channel input layer would do 5x the work: such
    // layers stay direct (measured: conv1 of the seed network 32 ms a step instead of 13). So do
    // 16-channel layers: oneDNN's `auto` takes Winograd for them, at 2.2-2.4x direct's time
    // forward and backward-data on 14x14 images (Zen 4), and on 28x28 tied with direct there and
    // took 1.2-2x its time on an Intel Xeon, 9.6-11.2 ms a layer a step against 7.3-8.3 ms
    // (docs/benchmarks.md). expt's own Winograd over one block of 16 channels did no better
    // than direct (docs/onednn-notes.md §20).
    const bool whole_blocks = planned.in.c % 16 == 0 && planned.out.c % 16 == 0;
    const bool few_channels = std::max(planned.in.c, planned.out.c) <= 16;
    const auto algo = ctx.options.precision != Precision::fp32_strict && whole_blocks && !few_channels
                          ? dnnl::algorithm::convolution_auto
                          : dnnl::algorithm::convolution_direct;

    const auto fwd_pd = ctx.check(
        dnnl::convolution_forward::primitive_desc(
            {dnnl::prop_kind::forward_training, algo, src_any, weights_any, bias_any, dst_any, strides, pad_l, pad_r},
            forward_attr(s), ctx.engine),
        name(), "convolution forward", true);
    const auto bwd_data_pd =
        ctx.check(dnnl::convolution_backward_data::primitive_desc(
                      {algo, src_any, weights_any, dst_any, strides, pad_l, pad_r}, ctx.attr(), ctx.engine, fwd_pd),
                  name(), "convolution backward data", true);
    const auto bwd_weights_pd = ctx.check(dnnl::convolution_backward_weights::primitive_desc(
                                              {algo, src_any, diff_weights_any, bias_any, dst_any, strides, pad_l, pad_r},
                                              ctx.attr(), ctx.engine, fwd_pd),
                                          name(), "convolution backward weights", true);

    const int weight_index = planned.params[0];
    if (!ctx.params.defined(weight_index))
      ctx.params.define(weight_index, master_layout(fwd_pd.weights_desc(), bwd_weights_pd.diff_weights_desc()),
                        plain_desc(weight_dims));
    winograd_ = winograd_passes(ctx, fwd_pd, bwd_data_pd);
    small_input_gradients_ = !winograd_.weight_gradients && small_input_applies(fwd_pd, bwd_data_pd);
    finish(ctx, Relayout::consume(ctx.engine, input, fwd_pd.src_desc(), ctx.allocator(name(), "src")), fwd_pd,
           bwd_data_pd, bwd_weights_pd,
           {.backward_data = winograd_.backward_data,
            .weight_gradients = winograd_.weight_gradients || small_input_gradients_});
    if (winograd_.any() || small_input_gradients_) use_own_kernels(ctx);
    // The transformed weights live in the shared scratchpad: made at each use, they need no
    // buffer of their own (36 x in x out floats, four times the weights).
    if (winograd_.forward || winograd_.backward_data) {
      const auto floats = static_cast<size_t>(winograd_weights_floats(planned.in.c, planned.out.c));
      ctx.scratchpad_bytes = std::max(ctx.scratchpad_bytes, sizeof(float) * floats);
    }
  }

  memory::desc diff_src_desc() const override { return bwd_data_pd().diff_src_desc(0); }

  void bind(const memory& scratchpad, const memory& diff_dst, const memory& diff_src) override {
    WeightedPass::bind(scratchpad, diff_dst, diff_src);
    scratchpad_ = scratchpad;
    diff_dst_ = diff_dst;
    diff_src_ = diff_src;
  }

  void forward(dnnl::stream& stream, Phase phase, uint64_t step, Profiler& profiler) override {
    if (!winograd_.forward) return WeightedPass::forward(stream, phase, step, profiler);
    relay_forward_inputs(stream, profiler);
    profiler.time(index_, Direction::forward, stream, [&] {
      float* transformed = static_cast<float*>(scratchpad_.get_data_handle());
      winograd_weights(planned_.out.c, planned_.in.c, master_->floats(), weight_offsets_, false, transformed);
      const float* bias = planned_.spec.use_bias ? static_cast<const float*>(forward_bias().get_data_handle()) : nullptr;
      winograd_convolution(kernel_isa(), shape(planned_.in.c, planned_.out.c),
                           static_cast<const float*>(forward_input().get_data_handle()),
                           transformed, bias, planned_.spec.activation == Activation::relu, nullptr,
                           static_cast<float*>(output_.get_data_handle()));
    });
  }

  void backward_weights(dnnl::stream& stream, Profiler& profiler) override {
    WeightedPass::backward_weights(stream, profiler);  // with our gradients, the activation's backward alone
    if (!(winograd_.weight_gradients || small_input_gradients_) || !planned_.spec.trainable) return;
    const auto* src = static_cast<const float*>(forward_input().get_data_handle());
    const auto* diff_dst = static_cast<const float*>(diff_dst_.get_data_handle());
    float* bias_grad = bias_grad_ ? bias_grad_->floats() : nullptr;
    profiler.time(index_, Direction::backward_weights, stream, [&] {
      if (winograd_.weight_gradients)
        winograd_weight_gradient(kernel_isa(), shape(planned_.in.c, planned_.out.c), src, diff_dst, weight_offsets_,
                                 weight_grad_->floats(), bias_grad);
      else
        small_input_weight_gradient(kernel_isa(), small_input_conv(output_.get_desc().dims()[0]), src, diff_dst,
                                    weight_offsets_, weight_grad_->floats(), bias_grad);
    });
  }

  // Where backward-data is expt's Winograd, it writes the gradient at the input already through
  // the backward of a ReLU fused into the layer it reads: zero wherever that ReLU's output, this
  // layer's input, is not positive (docs/onednn-notes.md §22).
  bool take_relu_backward_from(LayerPass& producer) override {
    input_relu_ = winograd_.backward_data && producer.leave_relu_backward();
    return input_relu_;
  }

  void backward_data(dnnl::stream& stream, Profiler& profiler) override {
    if (!winograd_.backward_data) return WeightedPass::backward_data(stream, profiler);
    profiler.time(index_, Direction::backward_data, stream, [&] {
      float* transformed = static_cast<float*>(scratchpad_.get_data_handle());
      winograd_weights(planned_.out.c, planned_.in.c, master_->floats(), weight_offsets_, true, transformed);
      const auto* gate = input_relu_ ? static_cast<const float*>(forward_input().get_data_handle()) : nullptr;
      winograd_convolution(kernel_isa(), shape(planned_.out.c, planned_.in.c),
                           static_cast<const float*>(diff_dst_.get_data_handle()), transformed, nullptr, false, gate,
                           static_cast<float*>(diff_src_.get_data_handle()));
    });
  }

 private:
  struct WinogradPasses {
    bool forward = false, backward_data = false, weight_gradients = false;
    bool any() const { return forward || backward_data || weight_gradients; }
  };

  // Where expt's Winograd runs: fp32 with Winograd allowed, a 3x3 stride-1 convolution that keeps
  // the image size, channels the path takes, and oneDNN's layout of the path (nChw8c, nChw16c)
  // on the activation sides the passes read and write; the forward when there is no activation
  // or a ReLU (the kernel fuses it). On AVX2 oneDNN has no Winograd; on AVX-512 ours took less
  // time than oneDNN's Winograd or direct kernels in the shipped configs' layers, or tied
  // (docs/onednn-notes.md §20).
  WinogradPasses winograd_passes(const BuildContext& ctx, const dnnl::primitive_desc& fwd_pd,
                                 const dnnl::primitive_desc& bwd_data_pd) const {
    const LayerSpec& s = planned_.spec;
    const VectorIsa isa = kernel_isa();
    const bool shape_fits = s.kernel_h == 3 && s.kernel_w == 3 && s.stride_h == 1 && s.stride_w == 1 &&
                            planned_.pad_top == 1 && planned_.pad_left == 1 && planned_.pad_bottom == 1 &&
                            planned_.pad_right == 1 && isa != VectorIsa::scalar &&
                            winograd_channels_fit(isa, planned_.in.c, planned_.out.c);
    if (ctx.options.precision != Precision::fp32 || !shape_fits) return {};
    const tag path_layout = winograd_channel_block(isa) == 8 ? tag::nChw8c : tag::nChw16c;
    const auto blocked = [&](const memory::desc& md) {
      return same_layout(md, memory::desc(md.dims(), f32, path_layout));
    };
    const bool reads_fit = blocked(fwd_pd.src_desc(0)) && blocked(bwd_data_pd.diff_dst_desc(0));
    const bool fused = s.activation == Activation::none || s.activation == Activation::relu;
    const bool all_fit = reads_fit && blocked(fwd_pd.dst_desc(0)) && blocked(bwd_data_pd.diff_src_desc(0));
    return {.forward = all_fit && fused, .backward_data = all_fit, .weight_gradients = reads_fit};
  }

  // The few-input-channel weight gradient, from the plain NCHW input oneDNN's forward reads (a
  // first layer's) and an output gradient in the path's blocked layout. 3x3 windows at stride 1
  // take its tiles on both paths: the seed network's conv1 under the AVX2 cap 8.8-9.6 ms against
  // oneDNN's 16.5-20.5. Other shapes take AVX2's im2col, with one input channel only: the seed
  // network's 3-channel conv1 took 11.7 ms with it against oneDNN's 7.5 (docs/onednn-notes.md §19).
  bool small_input_applies(const dnnl::primitive_desc& fwd_pd, const dnnl::primitive_desc& bwd_data_pd) const {
    const VectorIsa isa = kernel_isa();
    const memory::desc src = fwd_pd.src_desc(0), diff_dst = bwd_data_pd.diff_dst_desc(0);
    const SmallInputConv conv = small_input_conv(src.dims()[0]);
    if (!small_input_weight_gradient_fits(isa, conv) || (!small_input_tiles_fit(conv) && planned_.in.c != 1))
      return false;
    const tag blocked = isa == VectorIsa::avx512 ? tag::nChw16c : tag::nChw8c;
    return same_layout(src, memory::desc(src.dims(), f32, tag::nchw)) &&
           same_layout(diff_dst, memory::desc(diff_dst.dims(), f32, blocked));
  }

  SmallInputConv small_input_conv(int64_t n) const {
    const LayerSpec& s = planned_.spec;
    return {n, planned_.in.c, planned_.out.c, planned_.in.h, planned_.in.w,
            planned_.out.h, planned_.out.w, s.kernel_h, s.kernel_w, s.stride_h, s.stride_w, planned_.pad_top,
            planned_.pad_left};
  }

  // Reads the master weights in place and writes the gradients there too, and names the kernels
  // for `expt bench`.
  void use_own_kernels(BuildContext& ctx) {
    const ParamTensor& weights = ctx.params.at(planned_.params[0]);
    master_ = &weights.value_buffer;
    weight_grad_ = &weights.grad_buffer;
    if (planned_.spec.use_bias) bias_grad_ = &ctx.params.at(planned_.params[1]).grad_buffer;
    const BlockedOffsets layout(weights.layout);
    const int64_t out = planned_.out.c, in = planned_.in.c;
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < in; ++i)
        for (int64_t y = 0; y < planned_.spec.kernel_h; ++y)
          for (int64_t x = 0; x < planned_.spec.kernel_w; ++x) {
            const int64_t index[4] = {o, i, y, x};
            weight_offsets_.push_back(layout.offset(index));
          }
    const std::string isa = std::string(name_of(vector_isa_names, kernel_isa()));
    // Named as oneDNN names its F(4x4, 3x3), jit_wino_4x3.
    const std::string winograd = "expt_wino_4x3:" + isa;
    for (PrimitiveInfo& p : ctx.primitives) {
      if (p.layer != name()) continue;
      if ((p.primitive == "convolution forward" && winograd_.forward) ||
          (p.primitive == "convolution backward data" && winograd_.backward_data) ||
          (p.primitive == "convolution backward weights" && winograd_.weight_gradients))
        p.implementation = winograd;
      if (p.primitive == "convolution backward weights" && small_input_gradients_) p.implementation = "expt:" + isa;
    }
  }

  WinogradShape shape(int64_t in, int64_t out) const {
    return {output_.get_desc().dims()[0], in, out, planned_.out.h, planned_.out.w};
  }

  WinogradPasses winograd_;
  bool small_input_gradients_ = false;
  bool input_relu_ = false;  // take_relu_backward_from agreed
  // The weights' fp32 master values and the gradients, in the parameters' own layouts.
  const Buffer *master_ = nullptr, *weight_grad_ = nullptr, *bias_grad_ = nullptr;
  std::vector<int64_t> weight_offsets_;   // of element (o, i, y, x) in the master layout
  memory scratchpad_, diff_dst_, diff_src_;
};

}  // namespace

std::unique_ptr<LayerPass> make_conv(size_t index, const PlannedLayer& planned, const memory& input,
                                     BuildContext& ctx) {
  return std::make_unique<ConvPass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
