// flatten: {N, C, H, W} -> {N, C*H*W, 1, 1} in channel-height-width order, so the input goes to
// the plain layout first (a copy only when it is blocked). A dense layer needs no flatten: it
// flattens implicitly without a copy (dense.cpp).
#include "backends/onednn/layer.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;

class FlattenPass final : public LayerPass {
 public:
  FlattenPass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx)
      : LayerPass(index, planned) {
    const memory::data_type type = input.get_desc().data_type();
    plain_ = Relayout::consume(ctx.engine, input, plain_desc(input.get_desc().dims(), type),
                               ctx.allocator(name(), "output"));
    output_ = memory(plain_desc({ctx.n, planned.out.c, 1, 1}, type), ctx.engine, plain_.dst().get_data_handle());
  }

  memory::desc diff_dst_desc() const override { return output_.get_desc(); }
  memory::desc diff_src_desc() const override { return plain_.dst().get_desc(); }
  bool backward_in_place() const override { return true; }

  void bind(const memory&, const memory&, const memory&) override {}
  void forward(dnnl::stream& stream, Phase, uint64_t, Profiler& profiler) override { plain_.run(stream, profiler); }
  void backward_data(dnnl::stream&, Profiler&) override {}

 private:
  Relayout plain_;
};

}  // namespace

std::unique_ptr<LayerPass> make_flatten(size_t index, const PlannedLayer& planned, const memory& input,
                                        BuildContext& ctx) {
  return std::make_unique<FlattenPass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
