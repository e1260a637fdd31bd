#pragma once
// The optimizer update on host memory, shared by the CPU backends. Element-wise, so it works
// on any layout as long as parameter, gradient and state tensors share it.
#include <cstdint>
#include <span>

#include "core/vector_isa.hpp"
#include "optim/optimizer_config.hpp"

namespace expt {

struct CpuOptimizerStep {
  const OptimizerConfig* config;
  double learning_rate;
  uint64_t t;  // update count from 1
  // The compiled copy of the loops that runs (at most cpu_vector_isa()); a backend passes its own
  // decision. Every copy rounds each element the same way, so results do not depend on it.
  VectorIsa isa = cpu_vector_isa();
};

// state: optimizer_state_slots(kind) spans of the same length as param (m, v for Adam;
// velocity for momentum). Matches torch.optim.{SGD, Adam, AdamW} update formulas.
void cpu_optimizer_update(const CpuOptimizerStep& step, std::span<float> param, std::span<const float> grad,
                          std::span<float> state0, std::span<float> state1);

}  // namespace expt
