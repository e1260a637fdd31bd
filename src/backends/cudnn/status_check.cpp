#include "backends/cudnn/status_check.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace expt::cudnn {

namespace {

[[noreturn]] void fail(const char* library, const char* call, const char* file, int line, const char* message,
                       int code) {
  throw BackendError(
      fmt::format("cudnn backend: {} call `{}` failed at {}:{}: {} (status {})", library, call, file, line, message, code));
}

}  // namespace

void throw_cuda_error(cudaError_t status, const char* call, const char* file, int line) {
  // Reset the runtime's last-error slot so the next EXPT_CUDA_CHECK_LAUNCH does not report this again.
  cudaGetLastError();
  fail("CUDA", call, file, line, cudaGetErrorString(status), static_cast<int>(status));
}

void throw_cudnn_error(cudnnStatus_t status, const char* call, const char* file, int line) {
  fail("cuDNN", call, file, line, cudnnGetErrorString(status), static_cast<int>(status));
}

void throw_cublas_error(cublasStatus_t status, const char* call, const char* file, int line) {
  fail("cuBLAS", call, file, line, cublasGetStatusString(status), static_cast<int>(status));
}

}  // namespace expt::cudnn
