// max_pool and avg_pool. Max pooling keeps its u8 workspace from forward for backward
// (docs/onednn-notes.md §5); average pooling excludes the padding, as TensorFlow's `same`
// pooling does.
#include "backends/onednn/layer.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;
class PoolPass final : public LayerPass {
 public:
  PoolPass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx)
      : LayerPass(index, planned), input_(input) {
    const LayerSpec& s = planned.spec;
    const auto algo =
        s.kind == LayerKind::max_pool ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
    const memory::dims strides{s.stride_h, s.stride_w}, kernel{s.kernel_h, s.kernel_w};
    const memory::dims pad_l{planned.pad_top, planned.pad_left}, pad_r{planned.pad_bottom, planned.pad_right};
    // `any` for the output keeps the input's layout (docs/onednn-notes.md §5).
    const memory::desc dst_any({ctx.n, planned.out.c, planned.out.h, planned.out.w}, input.get_desc().data_type(),
                               memory::format_tag::any);
    fwd_pd_ = ctx.check(
        dnnl::pooling_forward::primitive_desc(
            {dnnl::prop_kind::forward_training, algo, input.get_desc(), dst_any, strides, kernel, pad_l, pad_r},
            ctx.attr(), ctx.engine),
        name(), "pooling forward", false);
    bwd_pd_ = ctx.check(dnnl::pooling_backward::primitive_desc(
                            {algo, input.get_desc(), fwd_pd_.dst_desc(), strides, kernel, pad_l, pad_r}, ctx.attr(),
                            ctx.engine, fwd_pd_),
                        name(), "pooling backward", false);
    fwd_ = dnnl::pooling_forward(fwd_pd_);
    bwd_ = dnnl::pooling_backward(bwd_pd_);
    output_ = memory(fwd_pd_.dst_desc(), ctx.engine, ctx.allocator(name(), "output")(fwd_pd_.dst_desc().get_size()));
    const memory::desc workspace = fwd_pd_.workspace_desc();
    if (workspace.get_size() > 0)
      workspace_ = memory(workspace, ctx.engine, ctx.allocator(name(), "workspace")(workspace.get_size()));
  }

  memory::desc diff_dst_desc() const override { return bwd_pd_.diff_dst_desc(); }
  memory::desc diff_src_desc() const override { return bwd_pd_.diff_src_desc(); }

  void bind(const memory& scratchpad, const memory& diff_dst, const memory& diff_src) override {
    fwd_args_ = {{DNNL_ARG_SRC, input_}, {DNNL_ARG_DST, output_}, {DNNL_ARG_SCRATCHPAD, scratchpad}};
    bwd_args_ = {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, diff_src}, {DNNL_ARG_SCRATCHPAD, scratchpad}};
    if (workspace_) {
      fwd_args_[DNNL_ARG_WORKSPACE] = workspace_;
      bwd_args_[DNNL_ARG_WORKSPACE] = workspace_;
    }
  }

  void forward(dnnl::stream& stream, Phase, uint64_t, Profiler& profiler) override {
    profiler.time(index_, Direction::forward, stream, [&] { fwd_.execute(stream, fwd_args_); });
  }
  void backward_data(dnnl::stream& stream, Profiler& profiler) override {
    profiler.time(index_, Direction::backward_data, stream, [&] { bwd_.execute(stream, bwd_args_); });
  }

 private:
  memory input_, workspace_;
  dnnl::pooling_forward::primitive_desc fwd_pd_;
  dnnl::pooling_backward::primitive_desc bwd_pd_;
  dnnl::pooling_forward fwd_;
  dnnl::pooling_backward bwd_;
  std::unordered_map<int, memory> fwd_args_, bwd_args_;
};

}  // namespace

std::unique_ptr<LayerPass> make_pool(size_t index, const PlannedLayer& planned, const memory& input,
                                     BuildContext& ctx) {
  return std::make_unique<PoolPass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
