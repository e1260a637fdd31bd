// batch_norm: oneDNN's batch normalization in the input's layout (blocked after a conv, 2-D
// after a dense layer), with separate scale and shift. Training normalises with the batch's
// statistics, which oneDNN returns, and moves the running statistics here (oneDNN keeps none);
// evaluation passes the running statistics as global statistics.
#include "backends/onednn/layer.hpp"
#include "backends/onednn/layouts.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;
using dnnl::normalization_flags;

// The layer's tensors in plan order: scale, shift, running mean, running variance, batch counter.
enum Tensor { kScale, kShift, kRunningMean, kRunningVar, kBatchesTracked };

class BatchNormPass final : public LayerPass {
 public:
  BatchNormPass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx)
      : LayerPass(index, planned), input_(input), params_(ctx.params), per_channel_(ctx.n * planned.in.h * planned.in.w) {
    const LayerSpec& s = planned.spec;
    const auto eps = static_cast<float>(s.epsilon);
    const memory::desc data = input.get_desc();
    const normalization_flags affine = normalization_flags::use_scale | normalization_flags::use_shift;
    train_pd_ = ctx.check(dnnl::batch_normalization_forward::primitive_desc(
                              {dnnl::prop_kind::forward_training, data, eps, affine}, ctx.attr(), ctx.engine),
                          name(), "batch normalization forward", false);
    eval_pd_ = ctx.check(dnnl::batch_normalization_forward::primitive_desc(
                             {dnnl::prop_kind::forward_inference, data, eps, affine | normalization_flags::use_global_stats},
                             ctx.attr(), ctx.engine),
                         name(), "batch normalization inference", false);
    bwd_pd_ = ctx.check(dnnl::batch_normalization_backward::primitive_desc(
                            {dnnl::prop_kind::backward, data, data, eps, affine}, ctx.attr(), ctx.engine, train_pd_),
                        name(), "batch normalization backward", false);
    train_ = dnnl::batch_normalization_forward(train_pd_);
    eval_ = dnnl::batch_normalization_forward(eval_pd_);
    bwd_ = dnnl::batch_normalization_backward(bwd_pd_);
    output_ = memory(train_pd_.dst_desc(), ctx.engine, ctx.allocator(name(), "output")(train_pd_.dst_desc().get_size()));
    mean_ = memory(train_pd_.mean_desc(), ctx.engine, ctx.allocator(name(), "mean")(train_pd_.mean_desc().get_size()));
    variance_ = memory(train_pd_.variance_desc(), ctx.engine,
                       ctx.allocator(name(), "variance")(train_pd_.variance_desc().get_size()));
    // Frozen, the layer has no gradient buffers; backward still computes the scale and shift
    // gradients (backward_data cannot scale, docs/onednn-notes.md §11), into these.
    if (!s.trainable) {
      const memory::desc unused = plain_desc({2, planned.in.c});
      unused_gradients_ = memory(unused, ctx.engine, ctx.allocator(name(), "unused gradients")(unused.get_size()));
    }
    for (size_t t = 0; t < planned.params.size(); ++t) {
      const auto p = static_cast<size_t>(planned.params[t]);
      // The counter is a 0-d tensor in PyTorch; one float here.
      const memory::desc md = plain_desc({t == kBatchesTracked ? 1 : planned.in.c});
      if (!ctx.params.defined(p)) ctx.params.define(p, md, md);
    }
  }

  memory::desc diff_dst_desc() const override { return bwd_pd_.diff_dst_desc(); }
  bool writes_diff_dst() const override { return false; }
  memory::desc diff_src_desc() const override { return bwd_pd_.diff_src_desc(); }

  void bind(const memory& scratchpad, const memory& diff_dst, const memory& diff_src) override {
    const ParamTensor &scale = tensor(kScale), &shift = tensor(kShift);
    train_args_ = {{DNNL_ARG_SRC, input_},         {DNNL_ARG_DST, output_},       {DNNL_ARG_SCALE, scale.value},
                   {DNNL_ARG_SHIFT, shift.value},  {DNNL_ARG_MEAN, mean_},        {DNNL_ARG_VARIANCE, variance_},
                   {DNNL_ARG_SCRATCHPAD, scratchpad}};
    eval_args_ = train_args_;
    eval_args_[DNNL_ARG_MEAN] = tensor(kRunningMean).value;
    eval_args_[DNNL_ARG_VARIANCE] = tensor(kRunningVar).value;
    // Backward ignores the shift but refuses to run without it (docs/onednn-notes.md §11).
    bwd_args_ = {{DNNL_ARG_SRC, input_},        {DNNL_ARG_MEAN, mean_},        {DNNL_ARG_VARIANCE, variance_},
                 {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_SCALE, scale.value}, {DNNL_ARG_SHIFT, shift.value},
                 {DNNL_ARG_DIFF_SRC, diff_src}, {DNNL_ARG_SCRATCHPAD, scratchpad}};
    if (planned_.spec.trainable) {
      bwd_args_[DNNL_ARG_DIFF_SCALE] = scale.grad;
      bwd_args_[DNNL_ARG_DIFF_SHIFT] = shift.grad;
    } else {
      const memory::desc channels = plain_desc({planned_.in.c});
      float* unused = floats(unused_gradients_);
      bwd_args_[DNNL_ARG_DIFF_SCALE] = memory(channels, unused_gradients_.get_engine(), unused);
      bwd_args_[DNNL_ARG_DIFF_SHIFT] = memory(channels, unused_gradients_.get_engine(), unused + planned_.in.c);
    }
  }

  void forward(dnnl::stream& stream, Phase phase, uint64_t, Profiler& profiler) override {
    profiler.time(index_, Direction::forward, stream, [&] {
      if (phase == Phase::eval) return eval_.execute(stream, eval_args_);
      train_.execute(stream, train_args_);
      stream.wait();
      update_running_statistics();
    });
  }
  // One primitive computes the data gradient with the scale and shift gradients; it runs here
  // so that it also runs when this is the network's first layer with parameters.
  void backward_weights(dnnl::stream& stream, Profiler& profiler) override {
    profiler.time(index_, Direction::backward_weights, stream, [&] { bwd_.execute(stream, bwd_args_); });
  }
  void backward_data(dnnl::stream&, Profiler&) override {}

 private:
  const ParamTensor& tensor(Tensor t) const { return params_.at(static_cast<size_t>(planned_.params[t])); }
  static float* floats(const memory& m) { return static_cast<float*>(m.get_data_handle()); }

  // PyTorch's rule: the running variance moves towards the unbiased batch variance.
  void update_running_statistics() {
    const double momentum = planned_.spec.momentum;
    const auto m = static_cast<double>(per_channel_);
    const double unbias = per_channel_ > 1 ? m / (m - 1) : 1.0;
    const float *mean = floats(mean_), *variance = floats(variance_);
    float *running_mean = floats(tensor(kRunningMean).value), *running_var = floats(tensor(kRunningVar).value);
    for (int64_t c = 0; c < planned_.in.c; ++c) {
      running_mean[c] = static_cast<float>((1 - momentum) * running_mean[c] + momentum * mean[c]);
      running_var[c] = static_cast<float>((1 - momentum) * running_var[c] + momentum * variance[c] * unbias);
    }
    *floats(tensor(kBatchesTracked).value) += 1;
  }

  memory input_, mean_, variance_;
  memory unused_gradients_;  // frozen only: [2, C], written by backward and never read
  ParamStore& params_;
  int64_t per_channel_;  // values each channel's statistics cover in this pass
  dnnl::batch_normalization_forward::primitive_desc train_pd_, eval_pd_;
  dnnl::batch_normalization_backward::primitive_desc bwd_pd_;
  dnnl::batch_normalization_forward train_, eval_;
  dnnl::batch_normalization_backward bwd_;
  std::unordered_map<int, memory> train_args_, eval_args_, bwd_args_;
};

}  // namespace

std::unique_ptr<LayerPass> make_batch_norm(size_t index, const PlannedLayer& planned, const memory& input,
                                           BuildContext& ctx) {
  return std::make_unique<BatchNormPass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
