#pragma once
// The cudnn backend: NVIDIA GPUs through cuDNN, cuBLAS and a few CUDA kernels of its own.
// Only src/backends/registry.cpp and the GPU tests include this. Every function here is safe
// to call on a machine without a GPU or a CUDA driver.
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"

namespace expt {

// Throws BackendError with cudnn_unavailable_reason() when no usable GPU is present.
std::unique_ptr<Backend> make_cudnn_backend();

// Empty when a usable GPU and driver are present; otherwise why not, e.g.
// "no CUDA driver / no GPU found (cudaGetDeviceCount: CUDA driver version is insufficient...)".
std::string cudnn_unavailable_reason();

// One line per CUDA device ("0: NVIDIA H200, compute 9.0, 139.8 GiB, 132 SMs"), for
// `expt backends`; empty without a driver.
std::vector<std::string> list_cuda_devices();

}  // namespace expt
