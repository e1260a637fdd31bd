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

// Batch normalization is memory-bound: its time per training step is bounded below by the
// activation passes no implementation avoids. Forward reads the input twice (the channel
// statistics, then the normalization) and writes the output; backward reads the input and the
// output gradient twice (the two channel sums, then the data gradient) and writes the input
// gradient. Below the lowest trained layer there is no backward: 3 passes instead of 8.
// `element_bytes`: 4 in fp32, 2 where activations are bf16.
double batch_norm_traffic_bytes(const NetworkPlan& plan, int64_t batch, int64_t element_bytes);

// fp32 bytes, as `expt validate` reports them: the budget peak resident memory is judged by.
struct MemoryBudget {
  int64_t parameters = 0, gradients = 0, optimizer_state = 0, activations = 0;  // input included
  int64_t total() const { return parameters + gradients + optimizer_state + activations; }
};

MemoryBudget memory_budget(const NetworkPlan& plan, int64_t batch, int optimizer_state_slots);

}  // namespace expt
