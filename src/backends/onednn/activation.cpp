// The activation layers: eltwise forward in the input's layout; backward in place on the
// output gradient.
#include "backends/onednn/eltwise_activation.hpp"
#include "layers/layer_registry.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;

class ActivationPass final : public LayerPass {
 public:
  ActivationPass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx)
      : LayerPass(index, planned), input_(input) {
    const memory::desc md = input.get_desc();
    output_ = memory(md, ctx.engine, ctx.allocator(name(), "output")(md.get_size()));
    eltwise_ = EltwiseActivation(layer_activation(planned.spec), md, md, ctx, name());
  }

  memory::desc diff_dst_desc() const override { return output_.get_desc(); }
  memory::desc diff_src_desc() const override { return output_.get_desc(); }
  bool backward_in_place() const override { return true; }

  void bind(const memory& scratchpad, const memory& diff_dst, const memory&) override {
    eltwise_.bind(scratchpad, input_, output_, diff_dst);
  }
  void forward(dnnl::stream& stream, Phase, uint64_t, Profiler& profiler) override {
    profiler.time(index_, Direction::forward, stream, [&] { eltwise_.forward(stream); });
  }
  void backward_data(dnnl::stream& stream, Profiler& profiler) override {
    profiler.time(index_, Direction::backward_data, stream, [&] { eltwise_.backward(stream); });
  }

 private:
  memory input_;
  EltwiseActivation eltwise_;
};

}  // namespace

std::unique_ptr<LayerPass> make_activation(size_t index, const PlannedLayer& planned, const memory& input,
                                           BuildContext& ctx) {
  return std::make_unique<ActivationPass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
