#include "backends/onednn/eltwise_activation.hpp"

#include <stdexcept>

#include "layers/layer_registry.hpp"

namespace expt::onednn {

namespace {

using dnnl::algorithm;
using dnnl::memory;

// The training algorithm: the `use_dst` form wherever backward_reads_input is false. oneDNN
// requires alpha >= 0 for those of relu and elu, which the config's range ensures.
algorithm training_algorithm(Activation a) {
  switch (a) {
    case Activation::none: break;
    case Activation::relu:
    case Activation::leaky_relu: return algorithm::eltwise_relu_use_dst_for_bwd;
    case Activation::elu: return algorithm::eltwise_elu_use_dst_for_bwd;
    case Activation::gelu: return algorithm::eltwise_gelu_erf;
    case Activation::tanh: return algorithm::eltwise_tanh_use_dst_for_bwd;
    case Activation::sigmoid: return algorithm::eltwise_logistic_use_dst_for_bwd;
    case Activation::silu: return algorithm::eltwise_swish;
  }
  throw std::logic_error("onednn: no eltwise algorithm for an identity activation");
}

// The same function as a post-op, which takes the plain algorithms only.
algorithm post_op_algorithm(Activation a) {
  switch (training_algorithm(a)) {
    case algorithm::eltwise_relu_use_dst_for_bwd: return algorithm::eltwise_relu;
    case algorithm::eltwise_elu_use_dst_for_bwd: return algorithm::eltwise_elu;
    case algorithm::eltwise_tanh_use_dst_for_bwd: return algorithm::eltwise_tanh;
    case algorithm::eltwise_logistic_use_dst_for_bwd: return algorithm::eltwise_logistic;
    default: throw std::logic_error("onednn: activation not fusible as a post-op");
  }
}

// oneDNN's alpha: the slope for relu, the saturation for elu, the sigmoid's scale for swish.
float eltwise_alpha(ActivationFunction f) { return f.kind == Activation::silu ? 1.0f : f.alpha; }

}  // namespace

bool fuses_as_post_op(ActivationFunction f) { return f.kind != Activation::none && !backward_reads_input(f.kind); }

EltwiseActivation::EltwiseActivation(ActivationFunction f, const memory::desc& data, const memory::desc& diff,
                                     BuildContext& ctx, const std::string& layer) {
  if (f.kind == Activation::none) return;
  const algorithm algo = training_algorithm(f.kind);
  const auto fwd_pd = ctx.check(
      dnnl::eltwise_forward::primitive_desc({dnnl::prop_kind::forward_training, algo, data, eltwise_alpha(f)},
                                            ctx.attr(), ctx.engine),
      layer, "activation forward", false);
  const auto bwd_pd =
      ctx.check(dnnl::eltwise_backward::primitive_desc({algo, diff, data, eltwise_alpha(f)}, ctx.attr(), ctx.engine,
                                                       fwd_pd),
                layer, "activation backward", false);
  forward_.emplace(fwd_pd);
  backward_.emplace(bwd_pd);
}

void EltwiseActivation::bind(const memory& scratchpad, const memory& src, const memory& dst, const memory& diff_dst) {
  forward_args_ = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, scratchpad}};
  backward_args_ = {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, diff_dst}, {DNNL_ARG_SCRATCHPAD, scratchpad}};
  // An algorithm reads one of the two; the `use_dst` ones DST (docs/onednn-notes.md §4).
  backward_args_[DNNL_ARG_SRC] = src;
  backward_args_[DNNL_ARG_DST] = dst;
}

void EltwiseActivation::forward(dnnl::stream& stream) const { forward_->execute(stream, forward_args_); }

void EltwiseActivation::backward(dnnl::stream& stream) const {
  if (backward_) backward_->execute(stream, backward_args_);
}

dnnl::primitive_attr forward_attr(const LayerSpec& spec) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (const ActivationFunction f = fused_activation(spec); fuses_as_post_op(f)) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, post_op_algorithm(f.kind), eltwise_alpha(f), 0.0f);
    attr.set_post_ops(ops);
  }
  return attr;
}

}  // namespace expt::onednn
