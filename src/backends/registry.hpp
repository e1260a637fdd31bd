#pragma once
// Which backends this build has, and whether each can run here.
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "layers/network_plan.hpp"

namespace expt {

struct BackendAvailability {
  std::string name;
  bool built = false;
  bool usable = false;
  std::string detail;  // device description when usable, the reason otherwise
  std::vector<std::string> devices;  // GPUs the backend sees (name, compute capability, memory)
};

std::vector<BackendAvailability> list_backends();

// `auto` picks cudnn when a GPU is usable, else onednn, else reference.
// Throws BackendError naming the backend and the reason when it cannot be used here.
std::unique_ptr<Backend> make_backend(const std::string& name);

// Throws BackendError when `backend` cannot run some layer of `plan` with `options` on this
// machine (bf16 on a CPU without AVX-512, a GPU-only precision on a CPU backend, ...). Called
// before any data is loaded or memory allocated, so a config this machine cannot run is refused
// at once. A reason every layer shares (the precision) is said once, not per layer.
void check_backend_runs(const Backend& backend, const NetworkPlan& plan, const NetworkOptions& options);

}  // namespace expt
