// All of the backend's own kernels in one translation unit: nvcc is slow and the build
// machines have two cores. Compiled with --fmad=false (see CMakeLists.txt) so that the
// element-wise arithmetic rounds exactly like the CPU backends' code.
#include "backends/cudnn/kernels.hpp"

#include <algorithm>
#include <cmath>

#include "backends/cudnn/status_check.hpp"
#include "core/philox.hpp"

namespace expt::cudnn {

namespace {

constexpr int kThreads = 256;

// Grid-stride loops cover any count; the grid is capped so huge tensors do not ask for more
// blocks than needed to fill the GPU several times over.
unsigned blocks_for(int64_t count) {
  const int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::clamp<int64_t>(blocks, 1, int64_t{1} << 16));
}

#define EXPT_GRID_STRIDE(i, count)                                                            \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (count); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

__global__ void fill_kernel(float* out, int64_t count, float value) {
  EXPT_GRID_STRIDE(i, count) out[i] = value;
}

__global__ void pad_kernel(PadGeometry g, const float* src, float* padded) {
  const int64_t ph = g.h + g.top + g.bottom, pw = g.w + g.left + g.right;  // padded_h/w are host-only
  EXPT_GRID_STRIDE(i, g.n * g.c * ph * pw) {
    const int64_t x = i % pw, y = (i / pw) % ph, plane = i / (pw * ph);
    const int64_t sy = y - g.top, sx = x - g.left;
    padded[i] = (sy >= 0 && sy < g.h && sx >= 0 && sx < g.w) ? src[(plane * g.h + sy) * g.w + sx] : 0.0f;
  }
}

__global__ void crop_kernel(PadGeometry g, const float* padded, float* dst) {
  const int64_t ph = g.h + g.top + g.bottom, pw = g.w + g.left + g.right;  // padded_h/w are host-only
  EXPT_GRID_STRIDE(i, g.n * g.c * g.h * g.w) {
    const int64_t x = i % g.w, y = (i / g.w) % g.h, plane = i / (g.w * g.h);
    dst[i] = padded[(plane * ph + y + g.top) * pw + x + g.left];
  }
}

// The formulas are layers/activation.hpp's, which the reference backend runs too.
__global__ void activation_forward_kernel(ActivationFunction f, int64_t count, const float* x, float* y) {
  EXPT_GRID_STRIDE(i, count) y[i] = activate(f, x[i]);
}

__global__ void activation_backward_kernel(ActivationFunction f, int64_t count, const float* x, const float* y,
                                           const float* dy, float* dx) {
  const bool reads_x = backward_reads_input(f.kind);
  EXPT_GRID_STRIDE(i, count) dx[i] = activation_backward(f, reads_x ? x[i] : 0.0f, y[i], dy[i]);
}

// One thread per Philox block: the four words decide four consecutive elements.
__global__ void dropout_kernel(philox::DropoutMask mask, int64_t count, const float* x, float* y) {
  EXPT_GRID_STRIDE(b, (count + 3) / 4) {
    const philox::Block r = philox::dropout_block(mask.seed, mask.layer, mask.step, static_cast<uint64_t>(b));
    for (int j = 0; j < 4; ++j) {
      const int64_t i = 4 * b + j;
      if (i < count) y[i] = mask.keeps(r.v[j]) ? x[i] * mask.scale : 0.0f;
    }
  }
}

// One thread per element: each recomputes its channel's draw, which costs less than a pass to
// store the n*C flags and a second kernel to read them back.
__global__ void spatial_dropout_kernel(philox::DropoutMask mask, int64_t units, int64_t plane, const float* x,
                                       float* y) {
  EXPT_GRID_STRIDE(i, units * plane) {
    const int64_t unit = i / plane;
    const philox::Block r = philox::dropout_block(mask.seed, mask.layer, mask.step, static_cast<uint64_t>(unit / 4));
    y[i] = mask.keeps(r.v[unit % 4]) ? x[i] * mask.scale : 0.0f;
  }
}

__device__ int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
__device__ int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

// The first and last output row (or column) whose window contains input position `in`.
__device__ void windows_containing(int64_t in, int64_t pad, int64_t kernel, int64_t stride, int64_t out,
                                   int64_t& first, int64_t& last) {
  const int64_t lowest_start = in + pad - kernel + 1;  // windows start at o * stride - pad
  first = lowest_start > 0 ? (lowest_start + stride - 1) / stride : 0;
  last = imin(out - 1, (in + pad) / stride);
}

// Input pixel `i` of the whole [n, c, h, w] tensor, and the outputs whose windows contain it:
// rows [oy0, oy1] and columns [ox0, ox1] of the output plane starting at `plane_start`.
struct OutputsOverPixel {
  int64_t iy, ix, plane_start;
  int64_t oy0, oy1, ox0, ox1;
};
__device__ OutputsOverPixel outputs_over_pixel(const PoolGeometry& g, int64_t i) {
  OutputsOverPixel o;
  o.ix = i % g.w;
  o.iy = (i / g.w) % g.h;
  o.plane_start = i / (g.w * g.h) * g.out_h * g.out_w;
  windows_containing(o.iy, g.top, g.kernel_h, g.stride_h, g.out_h, o.oy0, o.oy1);
  windows_containing(o.ix, g.left, g.kernel_w, g.stride_w, g.out_w, o.ox0, o.ox1);
  return o;
}

__global__ void max_pool_forward_kernel(PoolGeometry g, const float* x, float* y, int32_t* argmax) {
  EXPT_GRID_STRIDE(i, g.n * g.c * g.out_h * g.out_w) {
    const int64_t ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, plane = i / (g.out_w * g.out_h);
    const float* xp = x + plane * g.h * g.w;
    const int64_t y0 = oh * g.stride_h - g.top, x0 = ow * g.stride_w - g.left;
    int64_t best_index = -1;
    float best = 0.0f;
    for (int64_t iy = imax(y0, 0); iy < imin(y0 + g.kernel_h, g.h); ++iy)
      for (int64_t ix = imax(x0, 0); ix < imin(x0 + g.kernel_w, g.w); ++ix) {
        const float v = xp[iy * g.w + ix];
        if (best_index < 0 || v > best) {
          best = v;
          best_index = iy * g.w + ix;
        }
      }
    y[i] = best;
    argmax[i] = static_cast<int32_t>(best_index);
  }
}

// Gathers rather than scatters: each input sums the outputs that chose it, in a fixed order,
// so the result is deterministic without atomics.
__global__ void max_pool_backward_kernel(PoolGeometry g, const int32_t* argmax, const float* dy, float* dx) {
  EXPT_GRID_STRIDE(i, g.n * g.c * g.h * g.w) {
    const OutputsOverPixel over = outputs_over_pixel(g, i);
    const int32_t me = static_cast<int32_t>(over.iy * g.w + over.ix);
    float sum = 0.0f;
    for (int64_t oy = over.oy0; oy <= over.oy1; ++oy)
      for (int64_t ox = over.ox0; ox <= over.ox1; ++ox) {
        const int64_t o = over.plane_start + oy * g.out_w + ox;
        if (argmax[o] == me) sum += dy[o];
      }
    dx[i] = sum;
  }
}

// Number of real (unpadded) inputs in the window of output (oh, ow).
__device__ float window_count(const PoolGeometry& g, int64_t oh, int64_t ow) {
  const int64_t y0 = oh * g.stride_h - g.top, x0 = ow * g.stride_w - g.left;
  const int64_t rows = imin(y0 + g.kernel_h, g.h) - imax(y0, 0);
  const int64_t cols = imin(x0 + g.kernel_w, g.w) - imax(x0, 0);
  return static_cast<float>(rows * cols);
}

__global__ void avg_pool_forward_kernel(PoolGeometry g, const float* x, float* y) {
  EXPT_GRID_STRIDE(i, g.n * g.c * g.out_h * g.out_w) {
    const int64_t ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, plane = i / (g.out_w * g.out_h);
    const float* xp = x + plane * g.h * g.w;
    const int64_t y0 = oh * g.stride_h - g.top, x0 = ow * g.stride_w - g.left;
    float sum = 0.0f;
    for (int64_t iy = imax(y0, 0); iy < imin(y0 + g.kernel_h, g.h); ++iy)
      for (int64_t ix = imax(x0, 0); ix < imin(x0 + g.kernel_w, g.w); ++ix) sum += xp[iy * g.w + ix];
    y[i] = sum / window_count(g, oh, ow);
  }
}

__global__ void avg_pool_backward_kernel(PoolGeometry g, const float* dy, float* dx) {
  EXPT_GRID_STRIDE(i, g.n * g.c * g.h * g.w) {
    const OutputsOverPixel over = outputs_over_pixel(g, i);
    float sum = 0.0f;
    for (int64_t oy = over.oy0; oy <= over.oy1; ++oy)
      for (int64_t ox = over.ox0; ox <= over.ox1; ++ox)
        sum += dy[over.plane_start + oy * g.out_w + ox] / window_count(g, oy, ox);
    dx[i] = sum;
  }
}

// One thread per sample: class counts are small (tens to a thousand) and n is a batch.
__global__ void softmax_cross_entropy_kernel(int64_t n, int64_t classes, const float* logits,
                                             const int32_t* labels, float gradient_scale, float* loss,
                                             int32_t* correct, float* dlogits) {
  EXPT_GRID_STRIDE(s, n) {
    const float* l = logits + s * classes;
    int64_t best = 0;
    for (int64_t k = 1; k < classes; ++k)
      if (l[k] > l[best]) best = k;
    const float top = l[best];
    float sum = 0.0f;
    for (int64_t k = 0; k < classes; ++k) sum += expf(l[k] - top);
    const int32_t label = labels[s];
    loss[s] = logf(sum) - (l[label] - top);
    correct[s] = best == label ? 1 : 0;
    float* d = dlogits + s * classes;
    for (int64_t k = 0; k < classes; ++k)
      d[k] = (expf(l[k] - top) / sum - (k == label ? 1.0f : 0.0f)) * gradient_scale;
  }
}

__global__ void sgd_kernel(int64_t count, float lr, float weight_decay, float* p, const float* g) {
  EXPT_GRID_STRIDE(i, count) p[i] -= lr * (g[i] + weight_decay * p[i]);
}

__global__ void momentum_kernel(int64_t count, float lr, float weight_decay, float mu, bool nesterov, float* p,
                                const float* g, float* buf) {
  EXPT_GRID_STRIDE(i, count) {
    const float d = g[i] + weight_decay * p[i];
    buf[i] = mu * buf[i] + d;
    p[i] -= lr * (nesterov ? d + mu * buf[i] : buf[i]);
  }
}

__global__ void adam_kernel(int64_t count, AdamScalars s, float* p, const float* g, float* m, float* v) {
  EXPT_GRID_STRIDE(i, count) {
    const float d = g[i] + s.l2 * p[i];
    m[i] += s.one_minus_beta1 * (d - m[i]);
    v[i] = s.beta2 * v[i] + s.one_minus_beta2 * d * d;
    const float denom = sqrtf(v[i]) / s.bias_correction2_sqrt + s.epsilon;
    p[i] -= s.step_size * (m[i] / denom);
  }
}

__global__ void scale_kernel(int64_t count, float factor, float* p) {
  EXPT_GRID_STRIDE(i, count) p[i] *= factor;
}

__global__ void accumulate_kernel(int64_t count, const float* x, float* y) {
  EXPT_GRID_STRIDE(i, count) y[i] += x[i];
}

}  // namespace

void fill(cudaStream_t stream, float* out, int64_t count, float value) {
  fill_kernel<<<blocks_for(count), kThreads, 0, stream>>>(out, count, value);
  EXPT_CUDA_CHECK_LAUNCH();
}

void pad_nchw(cudaStream_t stream, const PadGeometry& g, const float* src, float* padded) {
  pad_kernel<<<blocks_for(g.n * g.c * g.padded_h() * g.padded_w()), kThreads, 0, stream>>>(g, src, padded);
  EXPT_CUDA_CHECK_LAUNCH();
}

void crop_nchw(cudaStream_t stream, const PadGeometry& g, const float* padded, float* dst) {
  crop_kernel<<<blocks_for(g.n * g.c * g.h * g.w), kThreads, 0, stream>>>(g, padded, dst);
  EXPT_CUDA_CHECK_LAUNCH();
}

void activation_forward(cudaStream_t stream, ActivationFunction f, int64_t count, const float* x, float* y) {
  activation_forward_kernel<<<blocks_for(count), kThreads, 0, stream>>>(f, count, x, y);
  EXPT_CUDA_CHECK_LAUNCH();
}

void activation_backward(cudaStream_t stream, ActivationFunction f, int64_t count, const float* x, const float* y,
                         const float* dy, float* dx) {
  activation_backward_kernel<<<blocks_for(count), kThreads, 0, stream>>>(f, count, x, y, dy, dx);
  EXPT_CUDA_CHECK_LAUNCH();
}

void dropout_apply(cudaStream_t stream, const philox::DropoutMask& mask, int64_t count, const float* x, float* y) {
  dropout_kernel<<<blocks_for((count + 3) / 4), kThreads, 0, stream>>>(mask, count, x, y);
  EXPT_CUDA_CHECK_LAUNCH();
}

void spatial_dropout_apply(cudaStream_t stream, const philox::DropoutMask& mask, int64_t units, int64_t plane,
                           const float* x, float* y) {
  spatial_dropout_kernel<<<blocks_for(units * plane), kThreads, 0, stream>>>(mask, units, plane, x, y);
  EXPT_CUDA_CHECK_LAUNCH();
}

void max_pool_forward(cudaStream_t stream, const PoolGeometry& g, const float* x, float* y, int32_t* argmax) {
  max_pool_forward_kernel<<<blocks_for(g.n * g.c * g.out_h * g.out_w), kThreads, 0, stream>>>(g, x, y, argmax);
  EXPT_CUDA_CHECK_LAUNCH();
}

void max_pool_backward(cudaStream_t stream, const PoolGeometry& g, const int32_t* argmax, const float* dy, float* dx) {
  max_pool_backward_kernel<<<blocks_for(g.n * g.c * g.h * g.w), kThreads, 0, stream>>>(g, argmax, dy, dx);
  EXPT_CUDA_CHECK_LAUNCH();
}

void avg_pool_forward(cudaStream_t stream, const PoolGeometry& g, const float* x, float* y) {
  avg_pool_forward_kernel<<<blocks_for(g.n * g.c * g.out_h * g.out_w), kThreads, 0, stream>>>(g, x, y);
  EXPT_CUDA_CHECK_LAUNCH();
}

void avg_pool_backward(cudaStream_t stream, const PoolGeometry& g, const float* dy, float* dx) {
  avg_pool_backward_kernel<<<blocks_for(g.n * g.c * g.h * g.w), kThreads, 0, stream>>>(g, dy, dx);
  EXPT_CUDA_CHECK_LAUNCH();
}

void softmax_cross_entropy(cudaStream_t stream, int64_t n, int64_t classes, const float* logits,
                           const int32_t* labels, float gradient_scale, float* loss, int32_t* correct,
                           float* dlogits) {
  softmax_cross_entropy_kernel<<<blocks_for(n), kThreads, 0, stream>>>(n, classes, logits, labels, gradient_scale,
                                                                       loss, correct, dlogits);
  EXPT_CUDA_CHECK_LAUNCH();
}

void sgd_update(cudaStream_t stream, int64_t count, float lr, float weight_decay, float* p, const float* g) {
  sgd_kernel<<<blocks_for(count), kThreads, 0, stream>>>(count, lr, weight_decay, p, g);
  EXPT_CUDA_CHECK_LAUNCH();
}

void momentum_update(cudaStream_t stream, int64_t count, float lr, float weight_decay, float momentum,
                     bool nesterov, float* p, const float* g, float* velocity) {
  momentum_kernel<<<blocks_for(count), kThreads, 0, stream>>>(count, lr, weight_decay, momentum, nesterov, p, g,
                                                              velocity);
  EXPT_CUDA_CHECK_LAUNCH();
}

void adam_update(cudaStream_t stream, int64_t count, const AdamScalars& s, float* p, const float* g, float* m,
                 float* v) {
  adam_kernel<<<blocks_for(count), kThreads, 0, stream>>>(count, s, p, g, m, v);
  EXPT_CUDA_CHECK_LAUNCH();
}

void scale(cudaStream_t stream, int64_t count, float factor, float* p) {
  scale_kernel<<<blocks_for(count), kThreads, 0, stream>>>(count, factor, p);
  EXPT_CUDA_CHECK_LAUNCH();
}

void accumulate(cudaStream_t stream, int64_t count, const float* x, float* y) {
  accumulate_kernel<<<blocks_for(count), kThreads, 0, stream>>>(count, x, y);
  EXPT_CUDA_CHECK_LAUNCH();
}

}  // namespace expt::cudnn
