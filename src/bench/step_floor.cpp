#include "bench/step_floor.hpp"

namespace expt {

namespace {
constexpr double kFloat = 4.0;
}

StepFloor step_floor(const NetworkPlan& plan, int64_t batch, int optimizer_state_slots, double peak_gflops,
                     double bandwidth_gbytes_per_second) {
  const auto params = static_cast<double>(plan.parameter_count());
  double dense_weights = 0;
  for (const PlannedLayer& layer : plan.layers)
    if (layer.spec.kind == LayerKind::dense && !layer.params.empty())
      dense_weights += static_cast<double>(plan.params[static_cast<size_t>(layer.params[0])].size());
  StepFloor floor;
  floor.flops = plan.train_flops() * static_cast<double>(batch);
  // Update: parameter read + write, gradient written by backward and read here, each state
  // slot read + written. Dense weights: read by forward and by backward-data.
  floor.bytes = kFloat * (params * (2 + 2 + 2 * optimizer_state_slots) + 2 * dense_weights);
  floor.compute_s = peak_gflops > 0 ? floor.flops / (peak_gflops * 1e9) : 0;
  floor.memory_s = bandwidth_gbytes_per_second > 0 ? floor.bytes / (bandwidth_gbytes_per_second * 1e9) : 0;
  return floor;
}

MemoryBudget memory_budget(const NetworkPlan& plan, int64_t batch, int optimizer_state_slots) {
  const auto param_bytes = static_cast<int64_t>(kFloat) * plan.parameter_count();
  MemoryBudget m;
  m.parameters = param_bytes;
  m.gradients = param_bytes;
  m.optimizer_state = param_bytes * optimizer_state_slots;
  m.activations = static_cast<int64_t>(kFloat) * plan.activation_floats() * batch;
  return m;
}

}  // namespace expt
