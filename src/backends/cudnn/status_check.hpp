#pragma once
// Every CUDA, cuDNN and cuBLAS call goes through one of these macros. Nothing in this backend
// can be run on the build machines, so a failing call must say exactly which call failed and
// where, instead of surfacing later as a wrong number.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

namespace expt::cudnn {

// Throw BackendError("cudnn backend: <call> failed at <file>:<line>: <library's message>").
[[noreturn]] void throw_cuda_error(cudaError_t status, const char* call, const char* file, int line);
[[noreturn]] void throw_cudnn_error(cudnnStatus_t status, const char* call, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* call, const char* file, int line);

}  // namespace expt::cudnn

#define EXPT_CUDA_CHECK(call)                                                                   \
  do {                                                                                          \
    const cudaError_t expt_status_ = (call);                                                    \
    if (expt_status_ != cudaSuccess)                                                            \
      ::expt::cudnn::throw_cuda_error(expt_status_, #call, __FILE__, __LINE__);         \
  } while (0)

#define EXPT_CUDNN_CHECK(call)                                                                  \
  do {                                                                                          \
    const cudnnStatus_t expt_status_ = (call);                                                  \
    if (expt_status_ != CUDNN_STATUS_SUCCESS)                                                   \
      ::expt::cudnn::throw_cudnn_error(expt_status_, #call, __FILE__, __LINE__);        \
  } while (0)

#define EXPT_CUBLAS_CHECK(call)                                                                 \
  do {                                                                                          \
    const cublasStatus_t expt_status_ = (call);                                                 \
    if (expt_status_ != CUBLAS_STATUS_SUCCESS)                                                  \
      ::expt::cudnn::throw_cublas_error(expt_status_, #call, __FILE__, __LINE__);       \
  } while (0)

// Kernel launches report configuration errors only through cudaGetLastError.
#define EXPT_CUDA_CHECK_LAUNCH() EXPT_CUDA_CHECK(cudaGetLastError())
