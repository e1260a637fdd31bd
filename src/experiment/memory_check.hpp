#pragma once
// Before a network is built: does what it will hold fit in the memory this process may use?
// A config asking for a TiB on a 23 GiB machine is refused with the layers that take the most,
// rather than failing somewhere inside the backend's allocations.
#include <cstdint>
#include <string>
#include <vector>

#include "config/experiment_config.hpp"
#include "layers/network_plan.hpp"

namespace expt {

// Setting it to 1 skips the check (for sweeps and Slurm tasks, where no flag reaches the run).
inline constexpr const char* kIgnoreMemoryLimitVariable = "EXPT_IGNORE_MEMORY_LIMIT";

struct MemoryConsumer {
  std::string what;  // "model.layers[3] 'conv2' activations", "parameters, gradients and optimizer state"
  double bytes = 0;
};

// fp32 bytes the network holds for the config's largest batch (training or evaluation):
// parameters, gradients, optimizer state, and every layer's output, largest first. Computed in
// double, so sizes past 2^63 bytes stay comparable.
std::vector<MemoryConsumer> memory_consumers(const ExperimentConfig& config, const NetworkPlan& plan);

// Throws ConfigError naming the estimate, the limit, where the limit comes from and the largest
// consumers when the estimate exceeds what this process may use. `backend` is the backend's
// name (or the config's `backend` before one is chosen). Does nothing for cudnn (its memory is
// the GPU's, planned by the backend), when `ignore` is set, when EXPT_IGNORE_MEMORY_LIMIT=1, or
// when the limit cannot be read.
void check_memory_fits(const ExperimentConfig& config, const NetworkPlan& plan, const std::string& backend,
                       bool ignore);

// "1.1 TiB".
std::string human_bytes(double bytes);

}  // namespace expt
