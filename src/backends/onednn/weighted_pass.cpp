#include "backends/onednn/weighted_pass.hpp"

#include <fmt/format.h>

#include "backends/onednn/cpu_isa.hpp"
#include "layers/layer_registry.hpp"

namespace expt::onednn {

using dnnl::memory;

WeightedPass::WeightedPass(size_t index, const PlannedLayer& planned, BuildContext& ctx)
    : LayerPass(index, planned), engine_(ctx.engine), allocate_diff_(ctx.allocator(name(), "diff_dst_bwd_weights")) {}

void WeightedPass::finish(BuildContext& ctx, Relayout src, dnnl::primitive_desc fwd_pd,
                          dnnl::primitive_desc bwd_data_pd, dnnl::primitive_desc bwd_weights_pd,
                          OwnKernels own) {
  const LayerSpec& s = planned_.spec;
  fwd_pd_ = std::move(fwd_pd);
  bwd_data_pd_ = std::move(bwd_data_pd);
  bwd_weights_pd_ = std::move(bwd_weights_pd);
  fwd_ = dnnl::primitive(fwd_pd_);
  bwd_data_ = dnnl::primitive(bwd_data_pd_);
  // A frozen layer computes no weight gradient: no primitive, no copies of its inputs for one.
  weight_gradient_primitive_ = s.trainable && !own.weight_gradients;
  if (weight_gradient_primitive_) bwd_weights_ = dnnl::primitive(bwd_weights_pd_);

  src_ = std::move(src);
  fwd_src_ = memory(fwd_pd_.src_desc(0), engine_, src_.dst().get_data_handle());
  if (weight_gradient_primitive_)
    bwd_src_ = Relayout::consume(engine_, fwd_src_, bwd_weights_pd_.src_desc(0), ctx.allocator(name(), "src_bwd"));

  ParamTensor& weights = ctx.params.at(planned_.params[0]);
  weights_ = Relayout::consume(engine_, weights.value, fwd_pd_.weights_desc(0), ctx.allocator(name(), "weights"));
  forward_copy_ = track_copy(ctx, weights, weights_, "forward weights copy");
  // From the forward's copy, not the master weights: in bf16 the conversion is then done once
  // (the dense layer's 100M weights), and a matching layout needs no copy at all.
  if (!own.backward_data) {
    bwd_data_weights_ = Relayout::consume(engine_, weights_.dst(), bwd_data_pd_.weights_desc(0),
                                          ctx.allocator(name(), "weights_bwd_data"));
    bwd_data_copy_ = track_copy(ctx, weights, bwd_data_weights_, "backward-data weights copy");
  }
  // Weight and bias gradients are fp32 in bf16 training too (docs/onednn-notes.md §3).
  if (weight_gradient_primitive_)
    weights_grad_ = Relayout::produce(engine_, bwd_weights_pd_.diff_weights_desc(0), weights.grad,
                                      ctx.allocator(name(), "weights_grad"));
  if (s.use_bias) {
    const int bias_index = planned_.params[1];
    if (!ctx.params.defined(bias_index))
      ctx.params.define(bias_index, bwd_weights_pd_.diff_weights_desc(1), plain_desc({fwd_pd_.dst_desc(0).dims()[1]}));
    const ParamTensor& bias = ctx.params.at(bias_index);
    bias_ = Relayout::consume(engine_, bias.value, fwd_pd_.weights_desc(1), ctx.allocator(name(), "bias"));
    if (weight_gradient_primitive_)
      bias_grad_ = Relayout::produce(engine_, bwd_weights_pd_.diff_weights_desc(1), bias.grad,
                                     ctx.allocator(name(), "bias_grad"));
  }
  const memory::desc dst = fwd_pd_.dst_desc(0);
  output_ = memory(dst, engine_, ctx.allocator(name(), "output")(dst.get_size()));
  const ActivationFunction activation = fused_activation(s);
  activation_fused_ = activation.kind == Activation::none || fuses_as_post_op(activation);
  pre_activation_ =
      activation_fused_ ? output_ : memory(dst, engine_, ctx.allocator(name(), "pre_activation")(dst.get_size()));
  activation_ = EltwiseActivation(activation, dst, diff_dst_desc(), ctx, name());
}

void WeightedPass::bind(const memory& scratchpad, const memory& diff_dst, const memory& diff_src) {
  activation_.bind(scratchpad, pre_activation_, output_, diff_dst);
  fwd_args_ = {{DNNL_ARG_SRC, fwd_src_},
               {DNNL_ARG_WEIGHTS, weights_.dst()},
               {DNNL_ARG_DST, pre_activation_},
               {DNNL_ARG_SCRATCHPAD, scratchpad}};
  if (planned_.spec.use_bias) fwd_args_[DNNL_ARG_BIAS] = bias_.dst();
  if (weight_gradient_primitive_) {
    bwd_diff_dst_ = Relayout::consume(engine_, diff_dst, bwd_weights_pd_.diff_dst_desc(0), allocate_diff_);
    bwd_weights_args_ = {{DNNL_ARG_SRC, bwd_src_.dst()},
                         {DNNL_ARG_DIFF_DST, bwd_diff_dst_.dst()},
                         {DNNL_ARG_DIFF_WEIGHTS, weights_grad_.src()},
                         {DNNL_ARG_SCRATCHPAD, scratchpad}};
    if (planned_.spec.use_bias) bwd_weights_args_[DNNL_ARG_DIFF_BIAS] = bias_grad_.src();
  }
  // The previous layer's gradient buffer, described as backward-data writes it.
  bwd_data_args_ = {{DNNL_ARG_DIFF_DST, diff_dst},
                    {DNNL_ARG_WEIGHTS, bwd_data_weights_.dst()},
                    {DNNL_ARG_DIFF_SRC, memory(bwd_data_pd_.diff_src_desc(0), engine_, diff_src.get_data_handle())},
                    {DNNL_ARG_SCRATCHPAD, scratchpad}};
}

WeightCopy* WeightedPass::track_copy(BuildContext& ctx, ParamTensor& weights, const Relayout& relayout,
                                      const char* what) {
  if (!relayout.copies()) return nullptr;
  WeightCopy& copy = weights.copies.at(weights.layout, relayout.dst(), weights.trainable);
  if (copy.written_by_optimizer(relayout.dst().get_desc()))
    ctx.primitives.push_back({name(), what, fmt::format("expt:{} in the optimizer", name_of(vector_isa_names, kernel_isa()))});
  return &copy;
}

void WeightedPass::refresh(const Relayout& relayout, WeightCopy* copy, dnnl::stream& stream, Profiler& profiler) {
  const dnnl::memory::desc& layout = relayout.dst().get_desc();
  if (copy && copy->holds(layout)) return;
  relayout.run(stream, profiler);
  if (copy) copy->now_holds(layout);
}

void WeightedPass::relay_forward_inputs(dnnl::stream& stream, Profiler& profiler) {
  src_.run(stream, profiler);
  if (planned_.spec.use_bias) bias_.run(stream, profiler);
}

const memory& WeightedPass::forward_weights(dnnl::stream& stream, Profiler& profiler) {
  refresh(weights_, forward_copy_, stream, profiler);
  return weights_.dst();
}

void WeightedPass::forward(dnnl::stream& stream, Phase, uint64_t, Profiler& profiler) {
  relay_forward_inputs(stream, profiler);
  forward_weights(stream, profiler);
  profiler.time(index_, Direction::forward, stream, [&] {
    fwd_.execute(stream, fwd_args_);
    if (!activation_fused_) activation_.forward(stream);
  });
}

bool WeightedPass::leave_relu_backward() {
  activation_backward_left_ = planned_.spec.activation == Activation::relu && activation_fused_;
  return activation_backward_left_;
}

void WeightedPass::backward_weights(dnnl::stream& stream, Profiler& profiler) {
  if (!activation_backward_left_)
    profiler.time(index_, Direction::backward_data, stream, [&] { activation_.backward(stream); });
  // Frozen, or the subclass's own kernel: backward_data still needs the activation's backward.
  if (!weight_gradient_primitive_) return;
  bwd_diff_dst_.run(stream, profiler);
  bwd_src_.run(stream, profiler);
  profiler.time(index_, Direction::backward_weights, stream, [&] { bwd_weights_.execute(stream, bwd_weights_args_); });
  weights_grad_.run(stream, profiler);
  if (planned_.spec.use_bias) bias_grad_.run(stream, profiler);
}

void WeightedPass::backward_data(dnnl::stream& stream, Profiler& profiler) {
  // Backward-data's copy is made from the forward's, which a write since the forward made stale.
  forward_weights(stream, profiler);
  refresh(bwd_data_weights_, bwd_data_copy_, stream, profiler);
  profiler.time(index_, Direction::backward_data, stream, [&] { bwd_data_.execute(stream, bwd_data_args_); });
}

}  // namespace expt::onednn
