#include "backends/onednn/params.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "backends/onednn/layouts.hpp"
#include "core/error.hpp"

namespace expt::onednn {

using dnnl::memory;

ParamStore::ParamStore(const dnnl::engine& engine, const NetworkPlan& plan, int state_slots)
    : engine_(engine), state_slots_(state_slots), tensors_(plan.params.size()) {
  for (const auto& p : plan.params) {
    canonical_sizes_.push_back(p.size());
    names_.push_back(p.name);
    trainable_.push_back(p.trainable);
  }
}

ParamTensor& ParamStore::define(size_t index, const memory::desc& layout, const memory::desc& canonical,
                                std::optional<memory::desc> permuted,
                                std::unique_ptr<FactoredWeightGradient> factored_grad) {
  auto& t = tensors_[index].emplace();
  t.layout = layout;
  t.canonical = canonical;
  t.permuted = std::move(permuted);
  t.trainable = trainable_[index];
  const size_t bytes = layout.get_size();
  t.value_buffer = Buffer(bytes);
  t.value = memory(layout, engine_, t.value_buffer.data());
  if (!t.trainable) return t;
  t.factored_grad = std::move(factored_grad);
  if (!t.factored_grad) {
    t.grad_buffer = Buffer(bytes);
    t.grad = memory(layout, engine_, t.grad_buffer.data());
  }
  for (int s = 0; s < state_slots_; ++s) {
    t.state_buffers[s] = Buffer(bytes);
    t.state[s] = memory(layout, engine_, t.state_buffers[s].data());
  }
  return t;
}

void ParamStore::check_index(size_t index) const {
  if (index >= tensors_.size())
    throw BackendError(fmt::format("onednn: no parameter {} (the network has {})", index, tensors_.size()));
}

void ParamStore::check_has(size_t index, ParamPart part) const {
  if (trainable_[index] || part == ParamPart::value || part == ParamPart::grad) return;
  throw BackendError(
      fmt::format("onednn: '{}' is not trained (state or a frozen layer), so it has no optimizer state", names_[index]));
}

const memory& ParamStore::part_memory(size_t index, ParamPart part) const {
  const ParamTensor& t = *tensors_[index];
  switch (part) {
    case ParamPart::value:
      return t.value;
    case ParamPart::grad:
      return t.grad;
    case ParamPart::state0:
      return t.state[0];
    case ParamPart::state1:
      return t.state[1];
  }
  return t.value;
}

namespace {
// The permuted weights {out, C, H, W} seen as the 2-D {out, K} matrix the inner product uses.
memory flat_view(const memory::desc& permuted, const dnnl::engine& engine, void* data) {
  const int64_t out = permuted.dims()[0];
  return memory(plain_desc({out, static_cast<int64_t>(permuted.get_size() / sizeof(float)) / out}), engine, data);
}
}  // namespace

// Canonical <-> layout goes through the permuted layout for dense weights: the permutation is
// a 4-D reorder, the blocking of the 2-D weights a 2-D one.
void ParamStore::read(size_t index, ParamPart part, std::span<float> out) const {
  check_index(index);
  const ParamTensor& t = *tensors_[index];
  if (static_cast<int64_t>(out.size()) != canonical_sizes_[index])
    throw BackendError(
        fmt::format("onednn: parameter {} has {} floats, the span {}", index, canonical_sizes_[index], out.size()));
  check_has(index, part);
  // Settling changes the stored bits to what the reader is owed, not the tensor's logical value.
  if (part != ParamPart::grad && t.deferred_adam) t.deferred_adam->settle();
  if (part == ParamPart::grad && !t.trainable) return std::fill(out.begin(), out.end(), 0.0f);
  const memory canonical(t.canonical, engine_, out.data());
  const bool factored = part == ParamPart::grad && t.factored_grad;
  // Factors expand into the plain {out, in} matrix: the canonical layout itself, or the flat
  // view of the permuted one.
  if (factored && !t.permuted) return t.factored_grad->expand_plain(out.data());
  if (!t.permuted) return reorder_now(engine_, part_memory(index, part), canonical);
  Buffer scratch(t.permuted->get_size());
  const memory permuted(*t.permuted, engine_, scratch.data());
  const memory flat = flat_view(*t.permuted, engine_, scratch.data());
  if (factored)
    t.factored_grad->expand_plain(scratch.floats());
  else
    reorder_now(engine_, part_memory(index, part), flat);
  reorder_now(engine_, permuted, canonical);
}

void ParamStore::write(size_t index, ParamPart part, std::span<const float> in) {
  check_index(index);
  if (static_cast<int64_t>(in.size()) != canonical_sizes_[index])
    throw BackendError(
        fmt::format("onednn: parameter {} has {} floats, the span {}", index, canonical_sizes_[index], in.size()));
  check_has(index, part);
  ParamTensor& t = *tensors_[index];
  if (t.deferred_adam) t.deferred_adam->settle();
  if (part == ParamPart::value) t.copies.stale();
  Buffer scratch(t.permuted ? t.permuted->get_size() : 0);
  write_from(index, part, in.data(), scratch.data());
}

void ParamStore::initialize(size_t index, const std::function<void(std::span<float>)>& fill) {
  check_index(index);
  ParamTensor& t = *tensors_[index];
  const size_t count = static_cast<size_t>(canonical_sizes_[index]);
  // The tensor's own gradient and state buffers (trained tensors have them, all of its size)
  // stage the data and then the permutation; what they do not cover is a temporary.
  std::vector<Buffer*> spare;
  if (t.grad_buffer.data()) spare.push_back(&t.grad_buffer);
  if (t.trainable)
    for (int s = 0; s < state_slots_; ++s) spare.push_back(&t.state_buffers[s]);
  const bool scratch_needed = t.permuted.has_value();
  const Buffer temporary = spare.empty() ? Buffer(count * sizeof(float)) : Buffer();
  const Buffer permuted_scratch = scratch_needed && spare.size() < 2 ? Buffer(t.permuted->get_size()) : Buffer();
  const std::span<float> staged(spare.empty() ? temporary.floats() : spare[0]->floats(), count);
  fill(staged);
  void* scratch = !scratch_needed ? nullptr : spare.size() >= 2 ? spare[1]->data() : permuted_scratch.data();
  write_from(index, ParamPart::value, staged.data(), scratch);
  t.copies.stale();
  for (size_t i = 0; i < std::min<size_t>(spare.size(), scratch_needed ? 2 : 1); ++i) spare[i]->zero();
}

void ParamStore::write_from(size_t index, ParamPart part, const float* in, void* permuted_scratch) {
  const ParamTensor& t = *tensors_[index];
  // oneDNN's reorder only reads its source; the memory object needs a non-const handle.
  const memory canonical(t.canonical, engine_, const_cast<float*>(in));
  const memory& stored = part_memory(index, part);
  if (!t.permuted) return reorder_now(engine_, canonical, stored);
  const memory permuted(*t.permuted, engine_, permuted_scratch);
  const memory flat = flat_view(*t.permuted, engine_, permuted_scratch);
  reorder_now(engine_, canonical, permuted);
  reorder_now(engine_, flat, stored);
}

int64_t ParamStore::bytes() const {
  int64_t total = 0;
  for (const auto& t : tensors_) {
    if (!t) continue;
    const auto copies = static_cast<int64_t>(1 + (t->trainable ? state_slots_ : 0) + (t->grad_buffer.data() ? 1 : 0));
    total += static_cast<int64_t>(t->layout.get_size()) * copies + (t->factored_grad ? t->factored_grad->bytes() : 0);
  }
  return total;
}

}  // namespace expt::onednn
