#include "backends/cudnn/device_allocator.hpp"

#include <fmt/format.h>

#include "backends/cudnn/status_check.hpp"
#include "core/error.hpp"

namespace expt::cudnn {

std::string format_bytes(int64_t bytes) {
  const auto b = static_cast<double>(bytes);
  if (b >= 0x1p30) return fmt::format("{:.2f} GiB", b / 0x1p30);
  if (b >= 0x1p20) return fmt::format("{:.1f} MiB", b / 0x1p20);
  if (b >= 0x1p10) return fmt::format("{:.1f} KiB", b / 0x1p10);
  return fmt::format("{} B", bytes);
}

DeviceBuffer DeviceAllocator::allocate(const std::string& owner, int64_t bytes) {
  if (bytes <= 0) return {};
  void* ptr = nullptr;
  const cudaError_t status = cudaMalloc(&ptr, static_cast<size_t>(bytes));
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // out of memory is not sticky; clear it for the next call
    size_t free = 0, total = 0;
    cudaMemGetInfo(&free, &total);
    throw BackendError(fmt::format(
        "cudnn backend: out of GPU memory: {} asked for {} with {} already allocated by this network and {} of {} "
        "free on the device{}{}",
        owner, format_bytes(bytes), format_bytes(total_bytes_), format_bytes(static_cast<int64_t>(free)),
        format_bytes(static_cast<int64_t>(total)), advice_.empty() ? "" : "; ", advice_));
  }
  EXPT_CUDA_CHECK(status);
  DeviceBuffer buffer(ptr, static_cast<size_t>(bytes));
  EXPT_CUDA_CHECK(cudaMemsetAsync(ptr, 0, static_cast<size_t>(bytes), stream_));
  total_bytes_ += bytes;
  return buffer;
}

}  // namespace expt::cudnn
