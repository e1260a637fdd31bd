#pragma once
// The reference Network: everything in host memory, in canonical layouts, computed by the
// plain kernels in this folder.
#include <array>
#include <vector>

#include "backends/backend.hpp"

namespace expt::reference {

class ReferenceNetwork final : public Network {
 public:
  ReferenceNetwork(const NetworkPlan& plan, const NetworkOptions& options);

  BatchMetrics forward(const HostBatch& batch, Phase phase, uint64_t step) override;
  void backward() override;
  void update(double learning_rate, uint64_t t) override;

  // Plain copies: everything is kept in canonical layout already.
  void read(const TensorRef& tensor, std::span<float> out) const override;
  void write(const TensorRef& tensor, std::span<const float> in) override;

  int64_t memory_bytes() const override;

 private:
  void forward_layer(size_t index, const float* x, float* y);
  void batch_norm_forward(size_t index, const float* x, float* y);
  // dropout or spatial_dropout on x (forward) or dy (backward), with the last forward's mask.
  void apply_dropout(size_t index, const float* in, float* out) const;
  // dy may be modified (a fused activation's backward runs in place); writes dx and the layer's gradients.
  void backward_layer(size_t index, const float* x, float* dy, float* dx);
  const float* layer_input(size_t index) const;  // the layer's (first) input
  const float* output_of(int source) const;      // a layer's output, or the network input
  // Adds `dx` into the gradient of `source`'s output, or copies it there if it is the first.
  void pass_gradient(int source, const float* dx, int64_t count);
  size_t checked_param(size_t index) const;
  void check_state(size_t index, int slot) const;  // the optimizer state exists: a trainable tensor's slot

  NetworkOptions options_;

  std::vector<std::vector<float>> params_, grads_;
  std::vector<std::array<std::vector<float>, 2>> optimizer_state_;  // slots unused by the optimizer stay empty

  std::vector<float> input_;               // [max_batch, input]
  std::vector<int32_t> labels_;            // [max_batch]
  std::vector<std::vector<float>> outputs_;  // per layer, [max_batch, out]
  // Per layer, the output before a fused activation whose backward reads its input (gelu,
  // silu); empty for the other layers.
  std::vector<std::vector<float>> pre_activations_;
  // Per batch_norm layer, the mean and 1/sqrt(variance + epsilon) forward normalised with,
  // [2, channels]; empty for the other layers.
  std::vector<std::vector<float>> normalization_;
  std::vector<float> probs_;               // softmax of the logits, [max_batch, classes]
  // d(loss)/d(output) per layer, [max_batch, out]: a layer read by several others receives the
  // sum of what their backward passes give it.
  std::vector<std::vector<float>> output_grads_;
  std::vector<bool> gradient_written_;     // per layer, during backward: some reader passed a gradient
  bool input_gradient_written_ = false;
  std::vector<float> input_grad_;          // [max_batch, input]
  size_t backward_stop_ = 0;               // the lowest layer backward() runs (NetworkPlan::first_trained_layer)
  std::vector<float> layer_input_grad_;    // one layer's data gradient before it is passed on

  // What the last forward did, for backward and the read functions.
  int64_t batch_ = 0;
  uint64_t step_ = 0;
  bool dropout_active_ = false;
  bool training_ = false;  // batch norm normalised with the batch's statistics
};

}  // namespace expt::reference
