#include "backends/cuda_driver_probe.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

namespace expt {

namespace {

// The three driver API entry points used, with the C signatures of cuda.h (CUresult is an int
// enum); declared here so the probe needs no CUDA header and builds everywhere.
using CuInit = int (*)(unsigned flags);
using CuDeviceGetCount = int (*)(int* count);
using CuGetErrorString = int (*)(int error, const char** text);

std::string probe() {
  // Left loaded: if a GPU is there, the CUDA runtime loads the same library next anyway.
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (driver == nullptr) return fmt::format("no NVIDIA driver (libcuda.so.1 cannot be loaded: {})", dlerror());
  const auto init = reinterpret_cast<CuInit>(dlsym(driver, "cuInit"));
  const auto device_count = reinterpret_cast<CuDeviceGetCount>(dlsym(driver, "cuDeviceGetCount"));
  const auto error_string = reinterpret_cast<CuGetErrorString>(dlsym(driver, "cuGetErrorString"));
  if (init == nullptr || device_count == nullptr) return "the NVIDIA driver's libcuda.so.1 lacks cuInit or cuDeviceGetCount";
  const auto describe = [&](int status) {
    const char* text = nullptr;
    if (error_string != nullptr) error_string(status, &text);
    return text != nullptr ? std::string(text) : fmt::format("error {}", status);
  };
  if (const int status = init(0); status != 0)
    return fmt::format("the NVIDIA driver found no usable GPU (cuInit: {})", describe(status));
  int count = 0;
  if (const int status = device_count(&count); status != 0)
    return fmt::format("the NVIDIA driver cannot count GPUs (cuDeviceGetCount: {})", describe(status));
  if (count == 0) return "no CUDA GPU found (the NVIDIA driver reports 0 devices)";
  return {};
}

}  // namespace

std::string cuda_driver_absence_reason() {
  static const std::string reason = probe();
  return reason;
}

}  // namespace expt
