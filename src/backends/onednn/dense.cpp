// dense: inner product over a 2-D {N, K} view of the input's own buffer, with bias and ReLU
// fused. The view (no copy) is what makes oneDNN pick brgemm instead of gemm:jit with a slow
// backward-data (shared/notes/onednn-2.6.md). With a blocked input the view's K order is the
// input's physical order, so the weights are stored permuted the same way (ParamTensor::permuted);
// the canonical [out, C*H*W] order only appears in read_/write_parameter.
#include "backends/onednn/layer.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

// The layout the input must have: the per-sample layout fixed by the first pass built.
memory::desc wanted_input(const memory::desc& input, const std::optional<memory::desc>& permuted, int64_t n,
                          memory::data_type compute) {
  if (permuted) return with_data_type(with_outer_dim(*permuted, n), compute);
  return batch_outermost(input) ? with_data_type(input, compute) : plain_desc(input.dims(), compute);
}

class DensePass final : public LayerPass {
 public:
  DensePass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx)
      : LayerPass(index, planned), engine_(ctx.engine), allocate_diff_(ctx.allocator(name(), "diff_dst_bwd_weights")) {
    const LayerSpec& s = planned.spec;
    const int64_t n = ctx.n;
    const int weight_index = planned.params[0];
    const std::optional<memory::desc> permuted =
        ctx.params.defined(weight_index) ? ctx.params.at(weight_index).permuted : std::nullopt;
    src_ = Relayout::consume(ctx.engine, input, wanted_input(input.get_desc(), permuted, n, ctx.compute),
                             ctx.allocator(name(), "src"));
    input_desc_ = src_.dst().get_desc();
    const int64_t k = static_cast<int64_t>(input_desc_.get_size() / memory::data_type_size(ctx.compute)) / n;
    const memory::desc src_2d = plain_desc({n, k}, ctx.compute);
    src_2d_ = memory(src_2d, ctx.engine, src_.dst().get_data_handle());

    const memory::desc weights_any({s.units, k}, ctx.compute, tag::any);
    const memory::desc diff_weights_any({s.units, k}, f32, tag::any);  // fp32 in bf16 training too
    const memory::desc bias_any = s.use_bias ? memory::desc({s.units}, f32, tag::any) : memory::desc();
    const memory::desc dst_any({n, s.units}, ctx.compute, tag::any);
    fwd_pd_ = ctx.check(
        dnnl::inner_product_forward::primitive_desc(
            {dnnl::prop_kind::forward_training, src_2d, weights_any, bias_any, dst_any}, forward_attr(s), ctx.engine),
        name(), "inner product forward", true);
    bwd_data_pd_ = ctx.check(dnnl::inner_product_backward_data::primitive_desc({src_2d, weights_any, dst_any},
                                                                               ctx.attr(), ctx.engine, fwd_pd_),
                             name(), "inner product backward data", true);
    bwd_weights_pd_ = ctx.check(dnnl::inner_product_backward_weights::primitive_desc(
                                    {src_2d, diff_weights_any, bias_any, dst_any}, ctx.attr(), ctx.engine, fwd_pd_),
                                name(), "inner product backward weights", true);
    fwd_ = dnnl::inner_product_forward(fwd_pd_);
    bwd_data_ = dnnl::inner_product_backward_data(bwd_data_pd_);
    bwd_weights_ = dnnl::inner_product_backward_weights(bwd_weights_pd_);

    if (!ctx.params.defined(weight_index)) {
      memory::dims canonical = input_desc_.dims();
      canonical[0] = s.units;
      ctx.params.define(weight_index, master_layout(fwd_pd_.weights_desc(), bwd_weights_pd_.diff_weights_desc()),
                        plain_desc(canonical),
                        with_data_type(with_outer_dim(input_desc_, s.units), f32));
    }
    const ParamTensor& weights = ctx.params.at(weight_index);
    weights_ = Relayout::consume(ctx.engine, weights.value, fwd_pd_.weights_desc(), ctx.allocator(name(), "weights"));
    // From the forward's copy, not the master weights: in bf16 the conversion is then done once
    // per step (the dense layer's 100M weights), and a matching layout needs no copy at all.
    bwd_data_weights_ = Relayout::consume(ctx.engine, weights_.dst(), bwd_data_pd_.weights_desc(),
                                          ctx.allocator(name(), "weights_bwd_data"));
    weights_grad_ = Relayout::produce(ctx.engine, bwd_weights_pd_.diff_weights_desc(), weights.grad,
                                      ctx.allocator(name(), "weights_grad"));
    if (s.use_bias) {
      const int bias_index = planned.params[1];
      if (!ctx.params.defined(bias_index))
        ctx.params.define(bias_index, bwd_weights_pd_.diff_bias_desc(), plain_desc({s.units}));
      const ParamTensor& bias = ctx.params.at(bias_index);
      bias_ = Relayout::consume(ctx.engine, bias.value, fwd_pd_.bias_desc(), ctx.allocator(name(), "bias"));
      bias_grad_ = Relayout::produce(ctx.engine, bwd_weights_pd_.diff_bias_desc(), bias.grad,
                                     ctx.allocator(name(), "bias_grad"));
    }
    output_ = memory(fwd_pd_.dst_desc(), ctx.engine, ctx.allocator(name(), "output")(fwd_pd_.dst_desc().get_size()));
    if (s.activation == Activation::relu) relu_ = ReluBackward(fwd_pd_.dst_desc(), diff_dst_desc(), ctx, name());
  }

  memory::desc diff_dst_desc() const override { return bwd_data_pd_.diff_dst_desc(); }
  // The same bytes as the 2-D diff_src, described like the input so the previous layer reads it directly.
  memory::desc diff_src_desc() const override { return input_desc_; }

  void bind(const memory& scratchpad, const memory& diff_dst, const memory& diff_src) override {
    bwd_diff_dst_ = Relayout::consume(engine_, diff_dst, bwd_weights_pd_.diff_dst_desc(), allocate_diff_);
    relu_.bind(scratchpad, output_, diff_dst);
    const memory diff_src_2d(bwd_data_pd_.diff_src_desc(), engine_, diff_src.get_data_handle());
    fwd_args_ = {{DNNL_ARG_SRC, src_2d_},
                 {DNNL_ARG_WEIGHTS, weights_.dst()},
                 {DNNL_ARG_DST, output_},
                 {DNNL_ARG_SCRATCHPAD, scratchpad}};
    bwd_weights_args_ = {{DNNL_ARG_SRC, src_2d_},
                         {DNNL_ARG_DIFF_DST, bwd_diff_dst_.dst()},
                         {DNNL_ARG_DIFF_WEIGHTS, weights_grad_.src()},
                         {DNNL_ARG_SCRATCHPAD, scratchpad}};
    if (planned_.spec.use_bias) {
      fwd_args_[DNNL_ARG_BIAS] = bias_.dst();
      bwd_weights_args_[DNNL_ARG_DIFF_BIAS] = bias_grad_.src();
    }
    bwd_data_args_ = {{DNNL_ARG_DIFF_DST, diff_dst},
                      {DNNL_ARG_WEIGHTS, bwd_data_weights_.dst()},
                      {DNNL_ARG_DIFF_SRC, diff_src_2d},
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
  memory::desc input_desc_;  // the input in the layout the weights are permuted for
  memory src_2d_;
  dnnl::inner_product_forward::primitive_desc fwd_pd_;
  dnnl::inner_product_backward_data::primitive_desc bwd_data_pd_;
  dnnl::inner_product_backward_weights::primitive_desc bwd_weights_pd_;
  dnnl::inner_product_forward fwd_;
  dnnl::inner_product_backward_data bwd_data_;
  dnnl::inner_product_backward_weights bwd_weights_;
  Relayout src_, weights_, bias_, bwd_diff_dst_, bwd_data_weights_, weights_grad_, bias_grad_;
  ReluBackward relu_;
  std::unordered_map<int, memory> fwd_args_, bwd_weights_args_, bwd_data_args_;
};

}  // namespace

std::unique_ptr<LayerPass> make_dense(size_t index, const PlannedLayer& planned, const memory& input,
                                      BuildContext& ctx) {
  return std::make_unique<DensePass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
