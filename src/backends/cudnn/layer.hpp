#pragma once
// One layer of a CudnnNetwork. The network owns the activation and gradient buffers and
// hands each layer raw device pointers; a layer owns only what is private to it (its cuDNN
// descriptors, a padded copy of its input, max-pool argmax indices).
#include <cstdint>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

namespace expt::cudnn {

// What every layer runs with. One stream: cuDNN, cuBLAS and the kernels are all ordered on it.
struct GpuContext {
  cudaStream_t stream = nullptr;
  cudnnHandle_t cudnn = nullptr;
  cublasHandle_t cublas = nullptr;
  bool tf32 = true;  // false for fp32_strict: FMA-only convolutions, pedantic GEMMs
  // Convolution scratch shared by all layers (used one at a time on the one stream).
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
};

// Device scratch the network lends a layer while it runs: two buffers that are unused during
// forward and each hold any activation of the network at max_batch. Convolutions run cuDNN's
// algorithm search on them when a new batch size appears.
struct Scratch {
  float* a = nullptr;
  float* b = nullptr;
};

// A parameter's value and gradient on the device, in PyTorch's layout.
struct ParamPointers {
  float* value = nullptr;
  float* grad = nullptr;
};

struct ForwardArgs {
  int64_t n = 0;
  const float* x = nullptr;
  float* y = nullptr;
  bool train = false;
  uint64_t step = 0;
  Scratch scratch;
};

struct BackwardArgs {
  int64_t n = 0;
  const float* x = nullptr;  // the forward input and output of the last forward
  const float* y = nullptr;
  float* dy = nullptr;       // may be overwritten (a fused activation's backward runs in place)
  float* dx = nullptr;       // overwritten with d(loss)/dx
};

class GpuLayer {
 public:
  virtual ~GpuLayer() = default;
  // Flatten: the output is the input's memory, so the layer has no buffer and does no work.
  virtual bool output_aliases_input() const { return false; }
  virtual void forward(const GpuContext& ctx, const ForwardArgs& args) = 0;
  // Parameter gradients (overwritten, not accumulated). Runs before backward_data for the same
  // step and may rewrite args.dy in place (a fused activation), which backward_data then reads.
  virtual void backward_weights(const GpuContext&, const BackwardArgs&) {}
  virtual void backward_data(const GpuContext& ctx, const BackwardArgs& args) = 0;
};

}  // namespace expt::cudnn
