#pragma once
// What conv2d and dense share: a forward with bias and activation fused, backward-data reading the
// forward's copy of the weights, and backward-weights writing the gradients into the master
// parameters' layout. A subclass creates its three primitive descriptors (each with `any`
// layouts and the forward as hint, docs/onednn-notes.md §1), defines its weights, relays its input into the
// forward's layout, and hands all of it to finish().
#include "backends/onednn/eltwise_activation.hpp"

namespace expt::onednn {

// What a WeightedPass subclass computes with its own code instead of oneDNN's primitive.
struct OwnKernels {
  // backward_data(), reading forward_weights() (dense) or the master weights (conv2d's
  // Winograd): backward-data's copy of the weights is neither made nor kept.
  bool backward_data = false;
  // The parameters' gradients, after WeightedPass::backward_weights() has run the activation's
  // backward: no backward-weights primitive, and no copies of its inputs.
  bool weight_gradients = false;
};

class WeightedPass : public LayerPass {
 public:
  dnnl::memory::desc diff_dst_desc() const override { return bwd_data_pd_.diff_dst_desc(0); }
  void bind(const dnnl::memory& scratchpad, const dnnl::memory& diff_dst, const dnnl::memory& diff_src) override;
  void forward(dnnl::stream& stream, Phase phase, uint64_t step, Profiler& profiler) override;
  void backward_weights(dnnl::stream& stream, Profiler& profiler) override;
  void backward_data(dnnl::stream& stream, Profiler& profiler) override;
  bool leave_relu_backward() override;

 protected:
  WeightedPass(size_t index, const PlannedLayer& planned, BuildContext& ctx);

  // `src`: the input relayed into the layout the forward reads (it may describe the same bytes
  // with other dims, as dense's 2-D view does). The weights parameter must be defined.
  void finish(BuildContext& ctx, Relayout src, dnnl::primitive_desc fwd_pd, dnnl::primitive_desc bwd_data_pd,
              dnnl::primitive_desc bwd_weights_pd, OwnKernels own = {});

  const dnnl::primitive_desc& bwd_data_pd() const { return bwd_data_pd_; }
  // The weights as the forward reads them (the master weights themselves when layouts agree),
  // their copy brought up to date first where it is one.
  const dnnl::memory& forward_weights(dnnl::stream& stream, Profiler& profiler);
  // The input as the forward reads it.
  const dnnl::memory& forward_input() const { return fwd_src_; }
  // For a subclass that computes the forward itself: brings the input and the bias into the
  // forward's layouts (forward_input(), forward_bias()).
  void relay_forward_inputs(dnnl::stream& stream, Profiler& profiler);
  const dnnl::memory& forward_bias() const { return bias_.dst(); }
  const dnnl::engine& engine() const { return engine_; }
 private:
  // The copy `relayout` writes into (nullptr when it copies nothing), noted in ctx.primitives as
  // `what` when the optimizer writes it.
  WeightCopy* track_copy(BuildContext& ctx, ParamTensor& weights, const Relayout& relayout, const char* what);
  // Runs `relayout` unless `copy` holds the current value in its layout already.
  static void refresh(const Relayout& relayout, WeightCopy* copy, dnnl::stream& stream, Profiler& profiler);

  dnnl::engine engine_;
  Allocate allocate_diff_;
  dnnl::primitive_desc fwd_pd_, bwd_data_pd_, bwd_weights_pd_;
  dnnl::primitive fwd_, bwd_data_, bwd_weights_;
  bool weight_gradient_primitive_ = false;  // trainable, and no OwnKernels::weight_gradients
  Relayout src_, weights_, bias_;      // inputs in the forward's layouts
  // The weight copies weights_ and bwd_data_weights_ write, when they copy: each runs only when
  // its copy is out of date (weight_copy.hpp).
  WeightCopy* forward_copy_ = nullptr;
  WeightCopy* bwd_data_copy_ = nullptr;
  dnnl::memory fwd_src_;               // src_'s bytes as the forward describes them
  Relayout bwd_src_, bwd_diff_dst_;    // inputs in the backward-weights layouts
  Relayout bwd_data_weights_;          // backward-data has its own weight layout (§1)
  Relayout weights_grad_, bias_grad_;  // gradients into the parameters' layout
  // The activation: its backward, and its forward too where it is no post-op (then the layer's
  // own operation writes pre_activation_, which backward reads).
  EltwiseActivation activation_;
  bool activation_fused_ = true;
  bool activation_backward_left_ = false;  // its reader applies it (leave_relu_backward)
  dnnl::memory pre_activation_;
  std::unordered_map<int, dnnl::memory> fwd_args_, bwd_weights_args_, bwd_data_args_;
};

}  // namespace expt::onednn
