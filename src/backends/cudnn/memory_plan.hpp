#pragma once
// What a CudnnNetwork will allocate, worked out from the plan before allocating anything, so
// that a batch too large for the GPU is refused up front with the layer that tips it over and
// the largest batch that fits, instead of failing half-way through building.
#include <cstdint>
#include <string>
#include <vector>

#include "layers/network_plan.hpp"

namespace expt::cudnn {

struct MemoryItem {
  std::string owner;            // "parameters, gradients and optimizer state", "layer 'conv1' output", ...
  int64_t fixed_bytes = 0;      // independent of the batch size
  int64_t per_sample_bytes = 0;
};

struct MemoryPlan {
  std::vector<MemoryItem> items;  // in allocation order

  int64_t bytes_for(int64_t batch) const;
  // 0 when not even one sample fits in `available` bytes.
  int64_t largest_batch(int64_t available) const;
  // The item during whose allocation the running total first exceeds `available`.
  const MemoryItem* first_over(int64_t batch, int64_t available) const;
};

// Mirrors CudnnNetwork's allocations (network.cpp); the convolution workspace, chosen by
// cuDNN's search afterwards from what is left, is represented by a fixed reserve.
MemoryPlan plan_memory(const NetworkPlan& plan, int optimizer_state_slots);

// Per sample, floats of the largest tensor a ping-pong gradient buffer has to hold.
int64_t largest_activation_floats(const NetworkPlan& plan);

}  // namespace expt::cudnn
