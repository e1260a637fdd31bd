// conv2d: convolution forward with bias and ReLU fused, backward-data and backward-weights
// (with bias gradient, pitfall 2) created with the forward as hint.
#include "backends/onednn/layer.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

class ConvPass final : public LayerPass {
 public:
  ConvPass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx)
      : LayerPass(index, planned), engine_(ctx.engine), allocate_diff_(ctx.allocator(name(), "diff_dst_bwd_weights")) {
    const LayerSpec& s = planned.spec;
    const int64_t n = ctx.n;
    const memory::dims strides{s.stride_h, s.stride_w};
    const memory::dims pad_l{planned.pad_top, planned.pad_left}, pad_r{planned.pad_bottom, planned.pad_right};
    const memory::dims weight_dims{s.filters, planned.in.c, s.kernel_h, s.kernel_w};
    const memory::desc src_any({n, planned.in.c, planned.in.h, planned.in.w}, ctx.compute, tag::any);
    const memory::desc weights_any(weight_dims, ctx.compute, tag::any);
    // Bias and weight gradients stay fp32 in bf16 training; the kernels write them in a
    // non-interleaved fp32 layout (pitfall 3), moved into the master layout after.
    const memory::desc diff_weights_any(weight_dims, f32, tag::any);
    const memory::desc bias_any = s.use_bias ? memory::desc({s.filters}, f32, tag::any) : memory::desc();
    const memory::desc dst_any({n, planned.out.c, planned.out.h, planned.out.w}, ctx.compute, tag::any);
    const auto algo = dnnl::algorithm::convolution_direct;

    fwd_pd_ = ctx.check(
        dnnl::convolution_forward::primitive_desc(
            {dnnl::prop_kind::forward_training, algo, src_any, weights_any, bias_any, dst_any, strides, pad_l, pad_r},
            forward_attr(s), ctx.engine),
        name(), "convolution forward", true);
    // Backward descriptors get `any` and the forward as hint: handing backward-data the forward's
    // weight layout makes 2.6 fall back to ref:any (pitfall 1).
    bwd_data_pd_ =
        ctx.check(dnnl::convolution_backward_data::primitive_desc(
                      {algo, src_any, weights_any, dst_any, strides, pad_l, pad_r}, ctx.attr(), ctx.engine, fwd_pd_),
                  name(), "convolution backward data", true);
    bwd_weights_pd_ = ctx.check(dnnl::convolution_backward_weights::primitive_desc(
                                    {algo, src_any, diff_weights_any, bias_any, dst_any, strides, pad_l, pad_r},
                                    ctx.attr(), ctx.engine, fwd_pd_),
                                name(), "convolution backward weights", true);
    fwd_ = dnnl::convolution_forward(fwd_pd_);
    bwd_data_ = dnnl::convolution_backward_data(bwd_data_pd_);
    bwd_weights_ = dnnl::convolution_backward_weights(bwd_weights_pd_);

    const int weight_index = planned.params[0];
    if (!ctx.params.defined(weight_index))
      ctx.params.define(weight_index, master_layout(fwd_pd_.weights_desc(), bwd_weights_pd_.diff_weights_desc()),
                        plain_desc(weight_dims));
    const ParamTensor& weights = ctx.params.at(weight_index);

    src_ = Relayout::consume(ctx.engine, input, fwd_pd_.src_desc(), ctx.allocator(name(), "src"));
    weights_ = Relayout::consume(ctx.engine, weights.value, fwd_pd_.weights_desc(), ctx.allocator(name(), "weights"));
    bwd_src_ = Relayout::consume(ctx.engine, src_.dst(), bwd_weights_pd_.src_desc(), ctx.allocator(name(), "src_bwd"));
    // From the forward's copy, not the master weights: in bf16 the conversion is then done once
    // per step (the dense layer's 100M weights), and a matching layout needs no copy at all.
    bwd_data_weights_ = Relayout::consume(ctx.engine, weights_.dst(), bwd_data_pd_.weights_desc(),
                                          ctx.allocator(name(), "weights_bwd_data"));
    weights_grad_ = Relayout::produce(ctx.engine, bwd_weights_pd_.diff_weights_desc(), weights.grad,
                                      ctx.allocator(name(), "weights_grad"));
    if (s.use_bias) {
      const int bias_index = planned.params[1];
      if (!ctx.params.defined(bias_index))
        ctx.params.define(bias_index, bwd_weights_pd_.diff_bias_desc(), plain_desc({s.filters}));
      const ParamTensor& bias = ctx.params.at(bias_index);
      bias_ = Relayout::consume(ctx.engine, bias.value, fwd_pd_.bias_desc(), ctx.allocator(name(), "bias"));
      bias_grad_ = Relayout::produce(ctx.engine, bwd_weights_pd_.diff_bias_desc(), bias.grad,
                                     ctx.allocator(name(), "bias_grad"));
    }
    output_ = memory(fwd_pd_.dst_desc(), ctx.engine, ctx.allocator(name(), "output")(fwd_pd_.dst_desc().get_size()));
    if (s.activation == Activation::relu) relu_ = ReluBackward(fwd_pd_.dst_desc(), diff_dst_desc(), ctx, name());
  }

  memory::desc diff_dst_desc() const override { return bwd_data_pd_.diff_dst_desc(); }
  memory::desc diff_src_desc() const override { return bwd_data_pd_.diff_src_desc(); }

  void bind(const memory& scratchpad, const memory& diff_dst, const memory& diff_src) override {
    bwd_diff_dst_ = Relayout::consume(engine_, diff_dst, bwd_weights_pd_.diff_dst_desc(), allocate_diff_);
    relu_.bind(scratchpad, output_, diff_dst);
    fwd_args_ = {{DNNL_ARG_SRC, src_.dst()},
                 {DNNL_ARG_WEIGHTS, weights_.dst()},
                 {DNNL_ARG_DST, output_},
                 {DNNL_ARG_SCRATCHPAD, scratchpad}};
    bwd_weights_args_ = {{DNNL_ARG_SRC, bwd_src_.dst()},
                         {DNNL_ARG_DIFF_DST, bwd_diff_dst_.dst()},
                         {DNNL_ARG_DIFF_WEIGHTS, weights_grad_.src()},
                         {DNNL_ARG_SCRATCHPAD, scratchpad}};
    if (planned_.spec.use_bias) {
      fwd_args_[DNNL_ARG_BIAS] = bias_.dst();
      bwd_weights_args_[DNNL_ARG_DIFF_BIAS] = bias_grad_.src();
    }
    bwd_data_args_ = {{DNNL_ARG_DIFF_DST, diff_dst},
                      {DNNL_ARG_WEIGHTS, bwd_data_weights_.dst()},
                      {DNNL_ARG_DIFF_SRC, diff_src},
                      {DNNL_ARG_SCRATCHPAD, scratchpad}};
  }

  void forward(dnnl::stream& stream, Phase, uint64_t, Profiler& profiler) override {
    src_.run(stream, profiler);
    weights_.run(stream, profiler);
    if (planned_.spec.use_bias) bias_.run(stream, profiler);
    profiler.time(index_, Direction::forward, stream, [&] { fwd_.execute(stream, fwd_args_); });
  }

  void backward_weights(dnnl::stream& stream, Profiler& profiler) override {
    profiler.time(index_, Direction::backward_data, stream, [&] { relu_.run(stream); });
    bwd_diff_dst_.run(stream, profiler);
    bwd_src_.run(stream, profiler);
    profiler.time(index_, Direction::backward_weights, stream,
                  [&] { bwd_weights_.execute(stream, bwd_weights_args_); });
    weights_grad_.run(stream, profiler);
    if (planned_.spec.use_bias) bias_grad_.run(stream, profiler);
  }

  void backward_data(dnnl::stream& stream, Profiler& profiler) override {
    bwd_data_weights_.run(stream, profiler);
    profiler.time(index_, Direction::backward_data, stream, [&] { bwd_data_.execute(stream, bwd_data_args_); });
  }

 private:
  dnnl::engine engine_;
  Allocate allocate_diff_;
  dnnl::convolution_forward::primitive_desc fwd_pd_;
  dnnl::convolution_backward_data::primitive_desc bwd_data_pd_;
  dnnl::convolution_backward_weights::primitive_desc bwd_weights_pd_;
  dnnl::convolution_forward fwd_;
  dnnl::convolution_backward_data bwd_data_;
  dnnl::convolution_backward_weights bwd_weights_;
  Relayout src_, weights_, bias_;      // inputs in the forward's layouts
  Relayout bwd_src_, bwd_diff_dst_;    // inputs in the backward-weights layouts
  Relayout bwd_data_weights_;          // pitfall 1: backward-data has its own weight layout
  Relayout weights_grad_, bias_grad_;  // gradients into the parameters' layout
  ReluBackward relu_;
  std::unordered_map<int, memory> fwd_args_, bwd_weights_args_, bwd_data_args_;
};

}  // namespace

std::unique_ptr<LayerPass> make_conv(size_t index, const PlannedLayer& planned, const memory& input,
                                     BuildContext& ctx) {
  return std::make_unique<ConvPass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
