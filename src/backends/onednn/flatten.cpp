// flatten: {N, C, H, W} -> {N, C*H*W, 1, 1} in channel-height-width order, so the input goes to
// the plain layout first (a copy only when it is blocked). Where only dense layers read it, the
// flatten passes its input on as it is: a dense layer flattens any layout itself without a copy
// (dense.cpp), and the copy there and back cost two reorders a step (the seed network's 8 MB
// after pool2, docs/onednn-notes.md §8).
#include "backends/onednn/layer.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;

class FlattenPass final : public LayerPass {
 public:
  FlattenPass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx,
              bool read_by_dense_only)
      : LayerPass(index, planned) {
    if (read_by_dense_only) {
      output_ = input;  // plain_ stays empty: nothing to run
      diff_src_desc_ = input.get_desc();
      return;
    }
    const memory::data_type type = input.get_desc().data_type();
    plain_ = Relayout::consume(ctx.engine, input, plain_desc(input.get_desc().dims(), type),
                               ctx.allocator(name(), "output"));
    output_ = memory(plain_desc({ctx.n, planned.out.c, 1, 1}, type), ctx.engine, plain_.dst().get_data_handle());
    diff_src_desc_ = plain_.dst().get_desc();
  }

  memory::desc diff_dst_desc() const override { return output_.get_desc(); }
  memory::desc diff_src_desc() const override { return diff_src_desc_; }
  bool backward_in_place() const override { return true; }

  void bind(const memory&, const memory&, const memory&) override {}
  void forward(dnnl::stream& stream, Phase, uint64_t, Profiler& profiler) override { plain_.run(stream, profiler); }
  void backward_data(dnnl::stream&, Profiler&) override {}

 private:
  Relayout plain_;
  memory::desc diff_src_desc_;  // the same bytes as the output gradient, in the input's dimensions
};

}  // namespace

std::unique_ptr<LayerPass> make_flatten(size_t index, const PlannedLayer& planned, const memory& input,
                                        BuildContext& ctx, bool read_by_dense_only) {
  return std::make_unique<FlattenPass>(index, planned, input, ctx, read_by_dense_only);
}

}  // namespace expt::onednn
