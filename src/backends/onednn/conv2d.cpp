// conv2d: convolution forward with bias and activation fused, backward-data and backward-weights
// (with bias gradient, docs/onednn-notes.md §2) created with the forward as hint; the rest is WeightedPass.
#include <algorithm>

#include "backends/onednn/weighted_pass.hpp"

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
    // 16-channel layers on outputs of 14x14 or less, where oneDNN's `auto` still takes Winograd
    // at 14x14 and batch 128, at 2.2-2.4x direct's time forward and backward-data
    // (docs/benchmarks.md, Zen 4; at 28x28 the two tie).
    const bool whole_blocks = planned.in.c % 16 == 0 && planned.out.c % 16 == 0;
    const bool few_small_tiles =
        std::max(planned.in.c, planned.out.c) <= 16 && planned.out.h * planned.out.w <= int64_t{14} * 14;
    const auto algo = ctx.options.precision != Precision::fp32_strict && whole_blocks && !few_small_tiles
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
    finish(ctx, Relayout::consume(ctx.engine, input, fwd_pd.src_desc(), ctx.allocator(name(), "src")), fwd_pd,
           bwd_data_pd, bwd_weights_pd);
  }

  memory::desc diff_src_desc() const override { return bwd_data_pd().diff_src_desc(0); }
};

}  // namespace

std::unique_ptr<LayerPass> make_conv(size_t index, const PlannedLayer& planned, const memory& input,
                                     BuildContext& ctx) {
  return std::make_unique<ConvPass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
