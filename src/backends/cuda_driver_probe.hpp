#pragma once
// Whether this machine has an NVIDIA driver that sees a GPU, asked of the driver library itself
// (libcuda.so.1, through dlopen) so that a machine without one loads no CUDA library at all.
#include <string>

namespace expt {

// Empty when the driver reports at least one device; otherwise why not. Probed once per process.
std::string cuda_driver_absence_reason();

}  // namespace expt
