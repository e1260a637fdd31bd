#pragma once
// Which backends this build has, and whether each can run here.
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"

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

}  // namespace expt
