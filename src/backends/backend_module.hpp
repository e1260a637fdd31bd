#pragma once
// A backend built as its own shared module, loaded only when it is about to be used.
// Why: the cudnn backend links cuBLAS and cuDNN, and merely loading them costs about 150 MB of
// resident memory and 100 ms at start-up, on every machine, GPU or not. As a module, a CPU run
// never maps them. The module and the executable come from the same build, so C++ types cross
// the boundary; kBackendModuleAbi guards against a module left over from another build.
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"

namespace expt {

constexpr int kBackendModuleAbi = 1;

// What a module exports, through the one C symbol below.
struct BackendModule {
  int abi;
  std::string (*unavailable_reason)();  // empty when usable here
  std::unique_ptr<Backend> (*make)();
  std::vector<std::string> (*devices)();  // one line per device, for `expt backends`
};

}  // namespace expt

extern "C" const expt::BackendModule* expt_backend_module();
