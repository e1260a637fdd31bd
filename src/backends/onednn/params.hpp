#pragma once
// Parameters, gradients and optimizer state, kept in the layout the forward primitive of the
// largest batch chose; gradient and state share it, so the element-wise optimizer runs on the
// raw buffers (padding included: it stays zero). Only trainable tensors have a gradient and
// optimizer state: batch norm's running statistics and frozen layers' parameters hold a value
// alone, so a frozen VGG16 trunk costs its weights and nothing more. A wide dense layer's weight
// gradient may be kept as its factors instead of a buffer (factored_weight_gradient.hpp).
#include <cstdint>
#include <functional>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backends/onednn/buffers.hpp"
#include "backends/onednn/deferred_adam.hpp"
#include "backends/onednn/factored_weight_gradient.hpp"
#include "backends/onednn/weight_copy.hpp"
#include "layers/network_plan.hpp"

namespace expt::onednn {

struct ParamTensor {
  dnnl::memory::desc layout;     // what the primitives use
  dnnl::memory::desc canonical;  // PyTorch's layout: conv oihw, dense [out, in] (as oihw over a 4-D input), bias a
  // Dense weights after a blocked input: the canonical dims {out, C, H, W} laid out like one input
  // sample (out outermost). Viewed as 2-D {out, K} it is what the inner product multiplies the
  // input's 2-D view with (docs/onednn-notes.md §8).
  std::optional<dnnl::memory::desc> permuted;
  bool trainable = true;  // false: grad, state and their buffers stay empty
  // Set: the gradient is these factors, and grad and grad_buffer stay empty.
  std::unique_ptr<FactoredWeightGradient> factored_grad;
  // Set: the optimizer leaves the tensor's Adam step to its layer's next forward (deferred_adam.hpp).
  std::unique_ptr<DeferredAdam> deferred_adam;
  // The value in the other layouts its primitives read (weight_copy.hpp); a write of the
  // value makes them stale.
  WeightCopies copies;
  Buffer value_buffer, grad_buffer, state_buffers[2];
  dnnl::memory value, grad, state[2];
  int64_t floats() const { return static_cast<int64_t>(layout.get_size() / sizeof(float)); }
};

enum class ParamPart { value, grad, state0, state1 };

class ParamStore {
 public:
  ParamStore(const dnnl::engine& engine, const NetworkPlan& plan, int state_slots);

  bool defined(size_t index) const { return tensors_[index].has_value(); }
  // Fixes the layout of parameter `index` (by the first pass built) and allocates its buffers.
  // `factored_grad`: a trainable tensor's gradient in factors (its layout must match them).
  ParamTensor& define(size_t index, const dnnl::memory::desc& layout, const dnnl::memory::desc& canonical,
                      std::optional<dnnl::memory::desc> permuted = std::nullopt,
                      std::unique_ptr<FactoredWeightGradient> factored_grad = nullptr);
  ParamTensor& at(size_t index) { return *tensors_[index]; }
  const ParamTensor& at(size_t index) const { return *tensors_[index]; }
  size_t size() const { return tensors_.size(); }
  int state_slots() const { return state_slots_; }

  // The gradient of a tensor that is not trained reads as zeros (it never gets one); its
  // optimizer state does not exist, and reading or writing it throws BackendError. A deferred
  // Adam step is settled before the value or the state is read or written: they read as updated.
  void read(size_t index, ParamPart part, std::span<float> out) const;
  void write(size_t index, ParamPart part, std::span<const float> in);
  // Sets the value from `fill`, which writes the canonical layout, with no temporary as large
  // as the tensor (the dense weights are 400 MB in the seed network): the tensor's gradient and
  // optimizer state buffers stage the data (and the permutation of dense weights) and are zeroed
  // again. Peak resident memory then stays at what the network holds. Where they are too few (a
  // tensor not trained, a factored gradient under SGD), a temporary stages, freed before the next
  // tensor is filled.
  void initialize(size_t index, const std::function<void(std::span<float>)>& fill);
  int64_t bytes() const;

 private:
  void check_index(size_t index) const;
  void check_has(size_t index, ParamPart part) const;  // state of a tensor that is not trained: throws
  // Canonical `in` into `part`; `permuted_scratch` holds t.permuted->get_size() bytes when needed.
  void write_from(size_t index, ParamPart part, const float* in, void* permuted_scratch);
  const dnnl::memory& part_memory(size_t index, ParamPart part) const;
  dnnl::engine engine_;
  std::vector<int64_t> canonical_sizes_;
  std::vector<std::string> names_;
  std::vector<bool> trainable_;
  int state_slots_;
  std::vector<std::optional<ParamTensor>> tensors_;
};

}  // namespace expt::onednn
