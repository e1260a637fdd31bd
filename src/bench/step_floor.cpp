#include "bench/step_floor.hpp"

namespace expt {

namespace {
constexpr double kFloat = 4.0;
}

StepFloor step_floor(const NetworkPlan& plan, int64_t batch, int optimizer_state_slots, double peak_gflops,
                     double bandwidth_gbytes_per_second) {
  const auto params = static_cast<double>(plan.parameter_count());
  // Dense weights are read by forward, and by backward-data above the lowest trained layer.
  double dense_weight_reads = 0;
  const size_t first_trained = plan.first_trained_layer();
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const PlannedLayer& layer = plan.layers[i];
    if (layer.spec.kind != LayerKind::dense || layer.params.empty()) continue;
    const auto weights = static_cast<double>(plan.params[static_cast<size_t>(layer.params[0])].size());
    dense_weight_reads += i > first_trained ? 2 * weights : weights;
  }
  StepFloor floor;
  floor.flops = plan.train_flops() * static_cast<double>(batch);
  // Update of each trained tensor: parameter read + write, gradient written by backward and
  // read here, each state slot read + written.
  floor.bytes = kFloat * (params * (2 + 2 + 2 * optimizer_state_slots) + dense_weight_reads);
  floor.compute_s = peak_gflops > 0 ? floor.flops / (peak_gflops * 1e9) : 0;
  floor.memory_s = bandwidth_gbytes_per_second > 0 ? floor.bytes / (bandwidth_gbytes_per_second * 1e9) : 0;
  return floor;
}

double batch_norm_traffic_bytes(const NetworkPlan& plan, int64_t batch, int64_t element_bytes) {
  const size_t first_trained = plan.first_trained_layer();
  double bytes = 0;
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const PlannedLayer& layer = plan.layers[i];
    if (layer.spec.kind != LayerKind::batch_norm) continue;
    const double passes = i >= first_trained ? 8 : 3;
    bytes += passes * static_cast<double>(layer.in.size() * batch * element_bytes);
  }
  return bytes;
}

MemoryBudget memory_budget(const NetworkPlan& plan, int64_t batch, int optimizer_state_slots) {
  // Every tensor is held (frozen ones and batch norm's running statistics too); only the
  // trained ones have a gradient and optimizer state.
  const auto trained_bytes = static_cast<int64_t>(kFloat) * plan.parameter_count();
  MemoryBudget m;
  m.parameters = static_cast<int64_t>(kFloat) * plan.stored_count();
  m.gradients = trained_bytes;
  m.optimizer_state = trained_bytes * optimizer_state_slots;
  m.activations = static_cast<int64_t>(kFloat) * plan.activation_floats() * batch;
  return m;
}

}  // namespace expt
