#pragma once
// The backend's own CUDA kernels, for what cuDNN and cuBLAS do not provide with the semantics
// the reference backend defines. Host-side launchers only: the .cpp files never see CUDA
// syntax, so only kernels.cu goes through nvcc. Every launcher enqueues on `stream` and
// checks the launch; none synchronises.
#include <cstdint>

#include <cuda_runtime_api.h>

#include "core/philox.hpp"
#include "layers/activation.hpp"
#include "optim/adam_scalars.hpp"

namespace expt::cudnn {

void fill(cudaStream_t stream, float* out, int64_t count, float value);

// dst (n, c, h + top + bottom, w + left + right) = src (n, c, h, w) surrounded by zeros.
struct PadGeometry {
  int64_t n, c, h, w;
  int64_t top, left, bottom, right;
  int64_t padded_h() const { return h + top + bottom; }
  int64_t padded_w() const { return w + left + right; }
};
void pad_nchw(cudaStream_t stream, const PadGeometry& g, const float* src, float* padded);
// The inverse: the interior of `padded` (the gradient of pad_nchw).
void crop_nchw(cudaStream_t stream, const PadGeometry& g, const float* padded, float* dst);

// y = f(x), by the formulas of layers/activation.hpp; in place when x == y. cuDNN's
// activations lack leaky_relu and gelu, and one set of formulas for every activation keeps
// this backend's results those of the reference backend.
void activation_forward(cudaStream_t stream, ActivationFunction f, int64_t count, const float* x, float* y);
// dx from dy, the forward input x and output y; x may be null unless backward_reads_input(f.kind).
// In place when dx == dy.
void activation_backward(cudaStream_t stream, ActivationFunction f, int64_t count, const float* x, const float* y,
                         const float* dy, float* dx);

// Inverted dropout by the rule of core/philox.hpp. The same call computes backward (x = dy,
// y = dx): the mask is recomputed, never stored.
void dropout_apply(cudaStream_t stream, const philox::DropoutMask& mask, int64_t count, const float* x, float* y);
// spatial_dropout: `units` (sample, channel) planes of `plane` elements, one decision per plane;
// backward likewise with x = dy, y = dx.
void spatial_dropout_apply(cudaStream_t stream, const philox::DropoutMask& mask, int64_t units, int64_t plane,
                           const float* x, float* y);

// Pooling with TensorFlow's asymmetric `same` padding: windows start at (oh * stride_h - top,
// ow * stride_w - left) and padded positions never take part (max ignores them, average
// divides by the number of real inputs in the window).
struct PoolGeometry {
  int64_t n, c, h, w;
  int64_t out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w;
  int64_t top, left;
};
// argmax: index (ih * w + iw) of each output's first maximum in row-major window order,
// kept for backward.
void max_pool_forward(cudaStream_t stream, const PoolGeometry& g, const float* x, float* y, int32_t* argmax);
void max_pool_backward(cudaStream_t stream, const PoolGeometry& g, const int32_t* argmax, const float* dy, float* dx);
void avg_pool_forward(cudaStream_t stream, const PoolGeometry& g, const float* x, float* y);
void avg_pool_backward(cudaStream_t stream, const PoolGeometry& g, const float* dy, float* dx);

// Per sample: loss = logsumexp(logits) - logits[label]; correct = first argmax == label;
// dlogits = (softmax - onehot(label)) * gradient_scale (1/n: the gradient of the mean loss).
void softmax_cross_entropy(cudaStream_t stream, int64_t n, int64_t classes, const float* logits,
                           const int32_t* labels, float gradient_scale, float* loss, int32_t* correct,
                           float* dlogits);

// Optimizer updates, element for element the formulas of optim/cpu_update.cpp (same float
// operations in the same order; kernels.cu is compiled without FMA contraction so the
// roundings match too).
void sgd_update(cudaStream_t stream, int64_t count, float lr, float weight_decay, float* p, const float* g);
void momentum_update(cudaStream_t stream, int64_t count, float lr, float weight_decay, float momentum,
                     bool nesterov, float* p, const float* g, float* velocity);
void adam_update(cudaStream_t stream, int64_t count, const AdamScalars& s, float* p, const float* g, float* m,
                 float* v);
void scale(cudaStream_t stream, int64_t count, float factor, float* p);
// y += x: an add layer's sum, and the gradients of a layer that several layers read.
void accumulate(cudaStream_t stream, int64_t count, const float* x, float* y);

}  // namespace expt::cudnn
