#pragma once
// An activation as oneDNN eltwise primitives: forward, and backward in place on the output
// gradient. Where the function allows, backward reads the forward's output (the
// `*_use_dst_for_bwd` algorithms), so that a conv or dense forward can compute the activation
// as a post-op and keep no pre-activation copy (docs/onednn-notes.md §4); gelu and silu read
// the forward's input.
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "backends/onednn/layer.hpp"
#include "layers/activation.hpp"

namespace expt::onednn {

class EltwiseActivation {
 public:
  EltwiseActivation() = default;
  // `data`: the layout of the forward's input and output; `diff`: that of the gradients.
  EltwiseActivation(ActivationFunction f, const dnnl::memory::desc& data, const dnnl::memory::desc& diff,
                    BuildContext& ctx, const std::string& layer);
  // `diff_dst` is overwritten with the gradient of `src`.
  void bind(const dnnl::memory& scratchpad, const dnnl::memory& src, const dnnl::memory& dst,
            const dnnl::memory& diff_dst);
  void forward(dnnl::stream& stream) const;
  void backward(dnnl::stream& stream) const;  // nothing when built without a function

 private:
  std::optional<dnnl::eltwise_forward> forward_;
  std::optional<dnnl::eltwise_backward> backward_;
  std::unordered_map<int, dnnl::memory> forward_args_, backward_args_;
};

// Whether a conv or dense forward computes `f` as a post-op: when backward needs only the output.
bool fuses_as_post_op(ActivationFunction f);

// Forward attributes of conv and dense: user scratchpad, plus the fused activation as a post-op
// where fuses_as_post_op allows.
dnnl::primitive_attr forward_attr(const LayerSpec& spec);

}  // namespace expt::onednn
