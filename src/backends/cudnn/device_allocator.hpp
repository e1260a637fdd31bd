#pragma once
// Every device allocation of a network goes through here, labelled with what it is for, so
// that running out of memory names the layer, the bytes asked for and the batch that fits.
#include <cstdint>
#include <string>

#include "backends/cudnn/device_resources.hpp"

namespace expt::cudnn {

class DeviceAllocator {
 public:
  // Zero-fills on `stream`: the network's stream does not synchronise with the legacy default
  // stream, so a plain cudaMemset could land after the network's first kernels.
  void set_stream(cudaStream_t stream) { stream_ = stream; }

  // Appended to out-of-memory errors, e.g. "the largest batch size that fits is about 96".
  void set_advice(std::string advice) { advice_ = std::move(advice); }

  // Zero-filled, so parameters, optimizer state and never-written gradients read as zeros.
  // Throws BackendError naming `owner` and `bytes` when the device is out of memory.
  DeviceBuffer allocate(const std::string& owner, int64_t bytes);

  int64_t total_bytes() const { return total_bytes_; }

 private:
  cudaStream_t stream_ = nullptr;
  std::string advice_;
  int64_t total_bytes_ = 0;
};

std::string format_bytes(int64_t bytes);  // "1.50 GiB", "12.0 MiB", "512 B"

}  // namespace expt::cudnn
