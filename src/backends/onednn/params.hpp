#pragma once
// Parameters, gradients and optimizer state, kept in the layout the forward primitive of the
// largest batch chose; gradient and state share it, so the element-wise optimizer runs on the
// raw buffers (padding included: it stays zero).
#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <span>
#include <vector>

#include "backends/onednn/buffers.hpp"
#include "layers/network_plan.hpp"

namespace expt::onednn {

struct ParamTensor {
  dnnl::memory::desc layout;     // what the primitives use
  dnnl::memory::desc canonical;  // PyTorch's layout: conv oihw, dense [out, in] (as oihw over a 4-D input), bias a
  // Dense weights after a blocked input: the canonical dims {out, C, H, W} laid out like one input
  // sample (out outermost). Viewed as 2-D {out, K} it is what the inner product multiplies the
  // input's 2-D view with (the brgemm trick in shared/notes/onednn-2.6.md).
  std::optional<dnnl::memory::desc> permuted;
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
  ParamTensor& define(size_t index, const dnnl::memory::desc& layout, const dnnl::memory::desc& canonical,
                      std::optional<dnnl::memory::desc> permuted = std::nullopt);
  ParamTensor& at(size_t index) { return *tensors_[index]; }
  const ParamTensor& at(size_t index) const { return *tensors_[index]; }
  size_t size() const { return tensors_.size(); }
  int state_slots() const { return state_slots_; }

  void read(size_t index, ParamPart part, std::span<float> out) const;
  void write(size_t index, ParamPart part, std::span<const float> in);
  int64_t bytes() const;

 private:
  void check_index(size_t index) const;
  const dnnl::memory& part_memory(size_t index, ParamPart part) const;
  dnnl::engine engine_;
  std::vector<int64_t> canonical_sizes_;
  int state_slots_;
  std::vector<std::optional<ParamTensor>> tensors_;
};

}  // namespace expt::onednn
