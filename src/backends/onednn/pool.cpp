// max_pool and avg_pool. Max pooling keeps its u8 workspace from forward for backward
// (docs/onednn-notes.md §5), and runs expt's own kernel where its windows do not overlap
// (max_pool_kernel.hpp), which can also apply the dropout after it (§25); average pooling
// excludes the padding, as TensorFlow's `same` pooling does.
#include "backends/onednn/cpu_isa.hpp"
#include "backends/onednn/layer.hpp"
#include "backends/onednn/max_pool_kernel.hpp"

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
    // oneDNN's workspace holds a byte per output element in the output's layout, as ours does.
    const memory::desc workspace = fwd_pd_.workspace_desc();
    if (workspace.get_size() > 0)
      workspace_ = memory(workspace, ctx.engine, ctx.allocator(name(), "workspace")(workspace.get_size()));
    own_ = own_kernel_applies();
    if (own_) {
      const std::string kernel = "expt:" + std::string(name_of(vector_isa_names, kernel_isa()));
      for (PrimitiveInfo& p : ctx.primitives)
        if (p.layer == name() && p.primitive.starts_with("pooling")) p.implementation = kernel;
    }
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

  // Where the input is a ReLU's output, a window whose maximum is not positive passes no
  // gradient: the ReLU's backward at the one pixel that receives any.
  bool take_relu_backward_from(LayerPass& producer) override {
    input_relu_ = own_ && producer.leave_relu_backward();
    return input_relu_;
  }

  // The dropout after it, in fp32 on the kernel's blocked layout, where a plane of output pixels
  // is a whole number of the draws' quads: the dropout's own passes over the output, forward and
  // backward, go.
  bool take_dropout(const OutputDropout& dropout) override {
    if (!own_ || !max_pool_dropout_fits(own_shape()) || !same_layout(dropout.output.get_desc(), output_.get_desc()))
      return false;
    dropout_ = dropout;
    return true;
  }

  void forward(dnnl::stream& stream, Phase phase, uint64_t step, Profiler& profiler) override {
    // In training, with a dropout taken: its output, and no gradient through what it drops.
    const bool with_dropout = dropout_ && phase == Phase::train;
    output_written_ = !with_dropout;
    backward_scale_ = with_dropout ? dropout_->rule.scale : 1.0f;
    profiler.time(index_, Direction::forward, stream, [&] {
      if (!own_) return fwd_.execute(stream, fwd_args_);
      const dnnl::memory::dims dims = output_.get_desc().dims();
      MaxPoolDropout dropout{dropout_ ? dropout_->rule : philox::DropoutMask{}, dims[0], dims[1]};
      dropout.rule.step = step;
      max_pool_forward(kernel_isa(), own_shape(), static_cast<const float*>(input_.get_data_handle()),
                       static_cast<float*>((with_dropout ? dropout_->output : output_).get_data_handle()),
                       static_cast<uint8_t*>(workspace_.get_data_handle()), input_relu_,
                       with_dropout ? &dropout : nullptr);
    });
  }
  void complete_output() override {
    if (output_written_) return;
    max_pool_forward(kernel_isa(), own_shape(), static_cast<const float*>(input_.get_data_handle()),
                     static_cast<float*>(output_.get_data_handle()), nullptr, false);
    output_written_ = true;
  }
  void backward_data(dnnl::stream& stream, Profiler& profiler) override {
    profiler.time(index_, Direction::backward_data, stream, [&] {
      if (!own_) return bwd_.execute(stream, bwd_args_);
      max_pool_backward(kernel_isa(), own_shape(),
                        static_cast<const float*>(bwd_args_.at(DNNL_ARG_DIFF_DST).get_data_handle()),
                        static_cast<const uint8_t*>(workspace_.get_data_handle()),
                        static_cast<float*>(bwd_args_.at(DNNL_ARG_DIFF_SRC).get_data_handle()), backward_scale_);
    });
  }

 private:
  // Non-overlapping fp32 max pooling without padding, with every tensor in the path's blocked
  // layout: oneDNN's primitives stay built, for the layouts they chose, but do not run.
  bool own_kernel_applies() const {
    const LayerSpec& s = planned_.spec;
    const VectorIsa isa = kernel_isa();
    if (s.kind != LayerKind::max_pool || isa == VectorIsa::scalar || s.stride_h != s.kernel_h ||
        s.stride_w != s.kernel_w || !own_max_pool_fits(s.kernel_h, s.kernel_w) || planned_.pad_top != 0 ||
        planned_.pad_left != 0 || planned_.pad_bottom != 0 || planned_.pad_right != 0 || !workspace_)
      return false;
    const auto tag = max_pool_channel_block(isa) == 8 ? memory::format_tag::nChw8c : memory::format_tag::nChw16c;
    const auto blocked = [&](const memory::desc& md) {
      return same_layout(md, memory::desc(md.dims(), memory::data_type::f32, tag));
    };
    const MaxPoolShape shape = own_shape();
    const auto positions = static_cast<size_t>(shape.planes * shape.out_h() * shape.out_w() * max_pool_channel_block(isa));
    return blocked(input_.get_desc()) && blocked(fwd_pd_.dst_desc()) && blocked(bwd_pd_.diff_dst_desc()) &&
           blocked(bwd_pd_.diff_src_desc()) && workspace_.get_desc().get_size() >= positions;
  }
  MaxPoolShape own_shape() const {
    const memory::dims dims = input_.get_desc().dims();
    const int64_t lanes = max_pool_channel_block(kernel_isa());
    return {dims[0] * ((dims[1] + lanes - 1) / lanes), dims[2], dims[3], planned_.spec.kernel_h, planned_.spec.kernel_w};
  }

  bool own_ = false;
  bool input_relu_ = false;  // take_relu_backward_from agreed
  std::optional<OutputDropout> dropout_;  // take_dropout agreed
  bool output_written_ = true;  // false after a training forward with the dropout, until complete_output()
  float backward_scale_ = 1.0f;  // the dropout's scale after such a forward
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
