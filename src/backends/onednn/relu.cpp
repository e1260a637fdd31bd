// relu: eltwise forward in the input's layout; backward from the output, in place.
#include "backends/onednn/layer.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;

class ReluPass final : public LayerPass {
 public:
  ReluPass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx)
      : LayerPass(index, planned), input_(input) {
    const memory::desc md = input.get_desc();
    const auto pd =
        ctx.check(dnnl::eltwise_forward::primitive_desc(
                      {dnnl::prop_kind::forward_training, dnnl::algorithm::eltwise_relu_use_dst_for_bwd, md, 0.0f},
                      ctx.attr(), ctx.engine),
                  name(), "relu forward", false);
    fwd_ = dnnl::eltwise_forward(pd);
    output_ = memory(md, ctx.engine, ctx.allocator(name(), "output")(md.get_size()));
    bwd_ = ReluBackward(md, md, ctx, name());
  }

  memory::desc diff_dst_desc() const override { return output_.get_desc(); }
  memory::desc diff_src_desc() const override { return output_.get_desc(); }
  bool backward_in_place() const override { return true; }

  void bind(const memory& scratchpad, const memory& diff_dst, const memory&) override {
    fwd_args_ = {{DNNL_ARG_SRC, input_}, {DNNL_ARG_DST, output_}, {DNNL_ARG_SCRATCHPAD, scratchpad}};
    bwd_.bind(scratchpad, output_, diff_dst);
  }
  void forward(dnnl::stream& stream, Phase, uint64_t, Profiler& profiler) override {
    profiler.time(index_, Direction::forward, stream, [&] { fwd_.execute(stream, fwd_args_); });
  }
  void backward_data(dnnl::stream& stream, Profiler& profiler) override {
    profiler.time(index_, Direction::backward_data, stream, [&] { bwd_.run(stream); });
  }

 private:
  memory input_;
  dnnl::eltwise_forward fwd_;
  ReluBackward bwd_;
  std::unordered_map<int, memory> fwd_args_;
};

}  // namespace

std::unique_ptr<LayerPass> make_relu(size_t index, const PlannedLayer& planned, const memory& input,
                                     BuildContext& ctx) {
  return std::make_unique<ReluPass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
