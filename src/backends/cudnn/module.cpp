// The cudnn backend's entry point as a shared module (src/backends/backend_module.hpp).
#include "backends/backend_module.hpp"
#include "backends/cudnn/factory.hpp"

extern "C" __attribute__((visibility("default"))) const expt::BackendModule* expt_backend_module() {
  static const expt::BackendModule module{expt::kBackendModuleAbi, expt::cudnn_unavailable_reason,
                                          expt::make_cudnn_backend, expt::list_cuda_devices};
  return &module;
}
