// dense: inner product over a 2-D {N, K} view of the input's own buffer, with bias and activation
// fused. The view (no copy) is what makes oneDNN pick brgemm instead of gemm:jit with a slow
// backward-data (docs/onednn-notes.md §8). With a blocked input the view's K order is the
// input's physical order, so the weights are stored permuted the same way (ParamTensor::permuted);
// the canonical [out, C*H*W] order only appears in read_/write_parameter. At small batches, a
// layer whose master weights oneDNN blocks as dense_backward_data reads them keeps its weight
// gradient as factors that the optimizer expands (factored_weight_gradient.hpp), in fp32 and bf16
// alike, and in fp32 runs its forward with dense_forward.
#include <fmt/format.h>

#include "backends/onednn/cpu_isa.hpp"
#include "backends/onednn/dense_backward_data.hpp"
#include "backends/onednn/dense_forward.hpp"
#include "backends/onednn/weighted_pass.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

// The largest batch for which a factored weight gradient pays: expanding it costs 2 x batch
// FLOPs per weight, at about half the machine's peak, and saves the 8 bytes per weight of
// writing and reading the gradient. At 500 GFLOP/s and 45 GB/s (the 2-core Zen 5) that breaks
// even near a batch of 20, on AVX2 near 10-20. Measured: the seed network's fc1 at batch 10
// gains 15-20 ms a step; Fashion-MNIST's at batch 100 lost 1-2.5 ms (docs/onednn-notes.md §12).
constexpr int64_t kMaxFactoredBatch = 16;

// The layout the input must have: the per-sample layout fixed by the first pass built.
memory::desc wanted_input(const memory::desc& input, const std::optional<memory::desc>& permuted, int64_t n,
                          memory::data_type compute) {
  if (permuted) return with_data_type(with_outer_dim(*permuted, n), compute);
  return batch_outermost(input) ? with_data_type(input, compute) : plain_desc(input.dims(), compute);
}

class DensePass final : public WeightedPass {
 public:
  DensePass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx)
      : WeightedPass(index, planned, ctx), allocate_plain_(ctx.allocator(name(), "diff_dst_plain")) {
    const LayerSpec& s = planned.spec;
    const int64_t n = ctx.n;
    const int weight_index = planned.params[0];
    const std::optional<memory::desc> permuted =
        ctx.params.defined(weight_index) ? ctx.params.at(weight_index).permuted : std::nullopt;
    Relayout src = Relayout::consume(ctx.engine, input, wanted_input(input.get_desc(), permuted, n, ctx.compute),
                                     ctx.allocator(name(), "src"));
    input_desc_ = src.dst().get_desc();
    const int64_t k = static_cast<int64_t>(input_desc_.get_size() / memory::data_type_size(ctx.compute)) / n;
    const memory::desc src_2d = plain_desc({n, k}, ctx.compute);

    const memory::desc weights_any({s.units, k}, ctx.compute, tag::any);
    const memory::desc diff_weights_any({s.units, k}, f32, tag::any);  // fp32 in bf16 training too
    const memory::desc bias_any = s.use_bias ? memory::desc({s.units}, f32, tag::any) : memory::desc();
    const memory::desc dst_any({n, s.units}, ctx.compute, tag::any);
    const auto fwd_pd = ctx.check(
        dnnl::inner_product_forward::primitive_desc(
            {dnnl::prop_kind::forward_training, src_2d, weights_any, bias_any, dst_any}, forward_attr(s), ctx.engine),
        name(), "inner product forward", true);
    const auto bwd_data_pd = ctx.check(dnnl::inner_product_backward_data::primitive_desc(
                                           {src_2d, weights_any, dst_any}, ctx.attr(), ctx.engine, fwd_pd),
                                       name(), "inner product backward data", true);
    const auto bwd_weights_pd = ctx.check(dnnl::inner_product_backward_weights::primitive_desc(
                                              {src_2d, diff_weights_any, bias_any, dst_any}, ctx.attr(), ctx.engine, fwd_pd),
                                          name(), "inner product backward weights", true);

    const bool defines_weights = !ctx.params.defined(weight_index);
    if (defines_weights) {
      memory::dims canonical = input_desc_.dims();
      canonical[0] = s.units;
      const memory::desc master = master_layout(fwd_pd.weights_desc(), bwd_weights_pd.diff_weights_desc());
      // The first pass built has the largest batch: the factors' size, and what decides.
      const int64_t factored_out_block =
          s.trainable && n <= kMaxFactoredBatch ? dense_weights_out_block(master) : 0;
      ctx.params.define(weight_index, master, plain_desc(canonical),
                        with_data_type(with_outer_dim(input_desc_, s.units), f32),
                        factored_out_block > 0 ? std::make_unique<FactoredWeightGradient>(s.units, k, factored_out_block,
                                                                                          n, kernel_isa())
                                               : nullptr);
    }
    factored_grad_ = ctx.params.at(weight_index).factored_grad.get();
    // Our own backward-data (dense_backward_data.hpp) where it applies: fp32 weights in a layout
    // it handles, read in place (oneDNN's backward-data copy of them is then never made), with
    // plain 2-D gradients on both sides.
    const int64_t out_block = kernel_isa() == VectorIsa::scalar ? 0 : dense_weights_out_block(fwd_pd.weights_desc());
    own_backward_data_ = out_block > 0 && same_layout(bwd_data_pd.diff_dst_desc(), plain_desc({n, s.units})) &&
                         same_layout(bwd_data_pd.diff_src_desc(), plain_desc({n, k}));
    // And our own forward, at the batches where the layer is a read of its weights: a ReLU or
    // no activation, plain 2-D input and output.
    own_forward_ = out_block > 0 && n <= kMaxFactoredBatch &&
                   (s.activation == Activation::none || s.activation == Activation::relu) &&
                   same_layout(fwd_pd.src_desc(), src_2d) && same_layout(fwd_pd.dst_desc(), plain_desc({n, s.units}));
    finish(ctx, std::move(src), fwd_pd, bwd_data_pd, bwd_weights_pd, {own_backward_data_, factored_grad_ != nullptr});
    k_ = k;
    out_block_ = out_block;
    if (defines_weights) defer_adam_to_forward(ctx, ctx.params.at(weight_index));
    deferred_adam_ = ctx.params.at(weight_index).deferred_adam.get();
    if (s.use_bias) bias_grad_ = ctx.params.at(planned.params[1]).grad;
    // What runs, for `expt bench`'s kernels column.
    const std::string expt_kernel = fmt::format("expt:{}", name_of(vector_isa_names, kernel_isa()));
    for (PrimitiveInfo& p : ctx.primitives) {
      if (p.layer != name()) continue;
      if (own_forward_ && p.primitive == "inner product forward")
        p.implementation = deferred_adam_ ? expt_kernel + " with Adam's step" : expt_kernel;
      if (own_backward_data_ && p.primitive == "inner product backward data") p.implementation = expt_kernel;
      if (factored_grad_ && p.primitive == "inner product backward weights")
        p.implementation = expt_kernel + " in the optimizer";
    }
  }

  // The same bytes as the 2-D diff_src, described like the input so the previous layer reads it directly.
  memory::desc diff_src_desc() const override { return input_desc_; }

  void bind(const memory& scratchpad, const memory& diff_dst, const memory& diff_src) override {
    WeightedPass::bind(scratchpad, diff_dst, diff_src);
    diff_dst_ = diff_dst;
    diff_src_ = diff_src;
    if (factored_grad_)
      // fp32 in bf16 training too (a widening copy then).
      plain_diff_dst_ = Relayout::consume(engine(), diff_dst, plain_desc(diff_dst.get_desc().dims(), f32), allocate_plain_);
  }

  // With factored gradients: keeps the factors, and sums the bias gradient here.
  void backward_weights(dnnl::stream& stream, Profiler& profiler) override {
    settle_deferred_adam(stream, profiler);  // before the capture replaces the factors it expands
    WeightedPass::backward_weights(stream, profiler);
    if (!factored_grad_) return;
    plain_diff_dst_.run(stream, profiler);
    profiler.time(index_, Direction::backward_weights, stream, [&] {
      const auto* dy = static_cast<const float*>(plain_diff_dst_.dst().get_data_handle());
      const int64_t n = plain_diff_dst_.dst().get_desc().dims()[0], units = planned_.spec.units;
      const void* x = forward_input().get_data_handle();
      if (forward_input().get_desc().data_type() == memory::data_type::bf16)
        factored_grad_->capture(static_cast<const uint16_t*>(x), dy, n);
      else
        factored_grad_->capture(static_cast<const float*>(x), dy, n);
      if (!planned_.spec.use_bias) return;
      auto* db = static_cast<float*>(bias_grad_.get_data_handle());
      for (int64_t o = 0; o < units; ++o) db[o] = 0.0f;
      for (int64_t s = 0; s < n; ++s)
        for (int64_t o = 0; o < units; ++o) db[o] += dy[s * units + o];
    });
  }

  // Takes the weights' deferred Adam step on the way, where it can (own forward), else first.
  void forward(dnnl::stream& stream, Phase phase, uint64_t step, Profiler& profiler) override {
    if (!own_forward_) {
      settle_deferred_adam(stream, profiler);
      return WeightedPass::forward(stream, phase, step, profiler);
    }
    relay_forward_inputs(stream, profiler);
    const auto* weights = static_cast<const float*>(forward_weights(stream, profiler).get_data_handle());
    profiler.time(index_, Direction::forward, stream, [&] {
      const auto* bias = planned_.spec.use_bias ? static_cast<const float*>(forward_bias().get_data_handle()) : nullptr;
      const bool take_step = deferred_adam_ && deferred_adam_->pending();
      dense_forward(kernel_isa(), {static_cast<const float*>(forward_input().get_data_handle()), weights, bias,
                                   planned_.spec.activation == Activation::relu,
                                   static_cast<float*>(output_.get_data_handle()), output_.get_desc().dims()[0],
                                   planned_.spec.units, k_, out_block_, take_step ? deferred_adam_ : nullptr});
      if (take_step) deferred_adam_->taken();
    });
  }

  void backward_data(dnnl::stream& stream, Profiler& profiler) override {
    settle_deferred_adam(stream, profiler);
    if (!own_backward_data_) return WeightedPass::backward_data(stream, profiler);
    const auto* weights = static_cast<const float*>(forward_weights(stream, profiler).get_data_handle());
    profiler.time(index_, Direction::backward_data, stream, [&] {
      dense_backward_data(kernel_isa(), {static_cast<const float*>(diff_dst_.get_data_handle()), weights,
                                         static_cast<float*>(diff_src_.get_data_handle()),
                                         diff_dst_.get_desc().dims()[0], planned_.spec.units, k_, out_block_});
    });
  }

 private:
  // The optimizer leaves the weights' Adam step to this layer's forward where that forward is
  // expt's (a batch it runs at), reading the fp32 master weights themselves, and the step has a
  // form inside the gradient's expansion (deferred_adam.hpp). Decided by the pass that defines the
  // weights, the largest batch's: other passes settle the step before they use the weights.
  void defer_adam_to_forward(const BuildContext& ctx, ParamTensor& weights) const {
    const OptimizerConfig::Kind kind = ctx.options.optimizer.kind;
    if (!own_forward_ || !factored_grad_ || !factored_grad_->has_adam_step() || ctx.compute != f32 ||
        !weights.copies.all().empty() ||
        (kind != OptimizerConfig::Kind::adam && kind != OptimizerConfig::Kind::adamw))
      return;
    weights.deferred_adam = std::make_unique<DeferredAdam>(
        *factored_grad_, planned_.spec.units, k_, weights.value_buffer.floats(), weights.state_buffers[0].floats(),
        weights.state_buffers[1].floats(), ctx.options.precision != Precision::fp32_strict);
  }
  void settle_deferred_adam(dnnl::stream& stream, Profiler& profiler) {
    if (deferred_adam_ && deferred_adam_->pending())
      profiler.time(index_, Direction::forward, stream, [&] { deferred_adam_->settle(); });
  }

  memory::desc input_desc_;  // the input in the layout the weights are permuted for
  int64_t k_ = 0;            // inputs per sample
  int64_t out_block_ = 0;    // outputs per weight block, for dense_backward_data
  bool own_backward_data_ = false;
  bool own_forward_ = false;
  FactoredWeightGradient* factored_grad_ = nullptr;  // the weights' gradient, when factored
  DeferredAdam* deferred_adam_ = nullptr;            // the weights' deferred Adam step, when deferred
  memory bias_grad_;
  Allocate allocate_plain_;
  Relayout plain_diff_dst_;  // the gradient factor dY, plain {n, units}
  memory diff_dst_, diff_src_;
};

}  // namespace

std::unique_ptr<LayerPass> make_dense(size_t index, const PlannedLayer& planned, const memory& input,
                                      BuildContext& ctx) {
  return std::make_unique<DensePass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
