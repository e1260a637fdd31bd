// add: oneDNN's sum of the inputs in the first input's layout; an input in another layout is
// moved into it first, the only copy an add makes. Backward passes the output gradient to every
// input unchanged, so it computes nothing: the network hands the same gradient to each.
#include "backends/onednn/layer.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;

class AddPass final : public LayerPass {
 public:
  AddPass(size_t index, const PlannedLayer& planned, const std::vector<memory>& inputs, BuildContext& ctx)
      : LayerPass(index, planned) {
    const memory::desc want = with_data_type(inputs[0].get_desc(), ctx.compute);
    std::vector<memory::desc> descs;
    for (size_t k = 0; k < inputs.size(); ++k) {
      inputs_.push_back(
          Relayout::consume(ctx.engine, inputs[k], want, ctx.allocator(name(), "input" + std::to_string(k))));
      descs.push_back(want);
    }
    pd_ = ctx.check(dnnl::sum::primitive_desc(want, std::vector<float>(inputs.size(), 1.0f), descs, ctx.engine,
                                              ctx.attr()),
                    name(), "sum", false);
    sum_ = dnnl::sum(pd_);
    output_ = memory(pd_.dst_desc(), ctx.engine, ctx.allocator(name(), "output")(pd_.dst_desc().get_size()));
  }

  memory::desc diff_dst_desc() const override { return output_.get_desc(); }
  memory::desc diff_src_desc() const override { return output_.get_desc(); }
  bool backward_in_place() const override { return true; }

  void bind(const memory& scratchpad, const memory&, const memory&) override {
    for (size_t k = 0; k < inputs_.size(); ++k) args_[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(k)] = inputs_[k].dst();
    args_[DNNL_ARG_DST] = output_;
    args_[DNNL_ARG_SCRATCHPAD] = scratchpad;
  }
  void forward(dnnl::stream& stream, Phase, uint64_t, Profiler& profiler) override {
    for (const Relayout& input : inputs_) input.run(stream, profiler);
    profiler.time(index_, Direction::forward, stream, [&] { sum_.execute(stream, args_); });
  }
  void backward_data(dnnl::stream&, Profiler&) override {}

 private:
  std::vector<Relayout> inputs_;  // each input in the first one's layout
  dnnl::sum::primitive_desc pd_;
  dnnl::sum sum_;
  std::unordered_map<int, memory> args_;
};

}  // namespace

std::unique_ptr<LayerPass> make_add(size_t index, const PlannedLayer& planned, const std::vector<memory>& inputs,
                                    BuildContext& ctx) {
  return std::make_unique<AddPass>(index, planned, inputs, ctx);
}

}  // namespace expt::onednn
