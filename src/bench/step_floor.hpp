#pragma once
// What one training step cannot go below on this machine (a roofline floor), and what it must
// hold in memory, both from the plan alone.
#include <cstdint>

#include "layers/network_plan.hpp"

namespace expt {

// Arithmetic at the measured peak plus the memory traffic no schedule avoids, one after the
// other: the traffic is the optimizer's (Adam streams parameters, gradients and both moments
// in and out) and the dense weights, too large for any cache, read by forward and by
// backward-data. Activations are left out: a fused schedule could keep them in cache.
struct StepFloor {
  double flops = 0;        // plan.train_flops() * batch
  double bytes = 0;        // unavoidable memory traffic
  double compute_s = 0;    // flops / peak
  double memory_s = 0;     // bytes / bandwidth
  double seconds() const { return compute_s + memory_s; }
};

StepFloor step_floor(const NetworkPlan& plan, int64_t batch, int optimizer_state_slots, double peak_gflops,
                     double bandwidth_gbytes_per_second);

// fp32 bytes, as `expt validate` reports them: the budget peak resident memory is judged by.
struct MemoryBudget {
  int64_t parameters = 0, gradients = 0, optimizer_state = 0, activations = 0;  // input included
  int64_t total() const { return parameters + gradients + optimizer_state + activations; }
};

MemoryBudget memory_budget(const NetworkPlan& plan, int64_t batch, int optimizer_state_slots);

}  // namespace expt
