#include "backends/cudnn/memory_plan.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "backends/cudnn/batch_norm.hpp"
#include "backends/cudnn/conv2d.hpp"
#include "backends/cudnn/fused_activation.hpp"

namespace expt::cudnn {

namespace {

constexpr int64_t kFloat = sizeof(float);
// cuDNN's and cuBLAS's own handles and the convolution workspace: cuDNN's search picks
// algorithms that fit what is left, so this only has to cover a modest workspace.
constexpr int64_t kLibraryReserve = int64_t{256} << 20;

}  // namespace

int64_t largest_activation_floats(const NetworkPlan& plan) {
  int64_t most = plan.input.size();
  for (const auto& l : plan.layers) most = std::max(most, l.out.size());
  return most;
}

MemoryPlan plan_memory(const NetworkPlan& plan, int optimizer_state_slots) {
  MemoryPlan m;
  m.items.push_back({"cuDNN/cuBLAS handles and convolution workspace (reserve)", kLibraryReserve, 0});
  // Every tensor of the plan is held; only trainable ones have a gradient and optimizer state.
  int64_t tensor_floats = 0;
  for (const ParamSpec& p : plan.params) tensor_floats += p.size() * (p.trainable ? 2 + optimizer_state_slots : 1);
  m.items.push_back({"parameters, gradients and optimizer state", tensor_floats * kFloat, 0});
  m.items.push_back({"input batch, its labels and its gradient", 0, 2 * plan.input.size() * kFloat + 4});
  for (const auto& l : plan.layers) {
    int64_t per_sample = l.spec.kind == LayerKind::flatten ? 0 : l.out.size() * kFloat;
    if (l.spec.kind == LayerKind::conv2d) per_sample += padded_input_floats(l) * kFloat;
    per_sample += fused_activation_floats(l) * kFloat;
    if (l.spec.kind == LayerKind::max_pool) per_sample += l.out.size() * int64_t{sizeof(int32_t)};
    const int64_t batch_statistics =
        l.spec.kind == LayerKind::batch_norm ? BatchNormLayer::saved_floats(l) * kFloat : 0;
    m.items.push_back({fmt::format("layer '{}' ({})", l.spec.name, to_string(l.spec.kind)), batch_statistics, per_sample});
  }
  m.items.push_back({"gradient buffers", 0, 2 * largest_activation_floats(plan) * kFloat});
  if (!plan.is_chain()) {  // a gradient per layer output, summed over the layers that read it
    int64_t outputs = 0;
    for (const auto& l : plan.layers) outputs += l.out.size();
    m.items.push_back({"per-layer output gradients (branches)", 0, outputs * kFloat});
  }
  // logits gradient, per-sample loss and hit, and the ones vector for dense bias gradients
  m.items.push_back({"loss", 0, plan.classes * kFloat + 3 * 4});
  return m;
}

int64_t MemoryPlan::bytes_for(int64_t batch) const {
  int64_t total = 0;
  for (const auto& i : items) total += i.fixed_bytes + batch * i.per_sample_bytes;
  return total;
}

int64_t MemoryPlan::largest_batch(int64_t available) const {
  const int64_t fixed = bytes_for(0);
  const int64_t per_sample = bytes_for(1) - fixed;
  if (available <= fixed || per_sample <= 0) return 0;
  return (available - fixed) / per_sample;
}

const MemoryItem* MemoryPlan::first_over(int64_t batch, int64_t available) const {
  int64_t total = 0;
  for (const auto& i : items) {
    total += i.fixed_bytes + batch * i.per_sample_bytes;
    if (total > available) return &i;
  }
  return nullptr;
}

}  // namespace expt::cudnn
