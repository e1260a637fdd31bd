#include "backends/onednn/small_input_weight_gradient.hpp"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>

#include "backends/onednn/line_aligned.hpp"

namespace expt::onednn {

namespace {

constexpr int64_t kLanes = 8;          // output channels per nChw8c block, and per AVX2 vector
constexpr int64_t kPixels = 128;       // output pixels per work item: its im2col stays in L1
constexpr int64_t kMaxInputs = 4;      // input channels the kernel takes
constexpr int kRows = 6;               // kernel taps per product step: 12 accumulators

// acc[k][o..o+15] += sum over the item's pixels of col[k][p] * dY[p][o..o+15], for Rows taps
// from `col` (kPixels apart) and the two nChw8c blocks dy0 and dy1.
template <int Rows>
__attribute__((target("avx2,fma"), always_inline)) inline void taps(const float* col, const float* dy0,
                                                                     const float* dy1, int64_t pixels, float* acc,
                                                                     int64_t out) {
  __m256 sum[Rows][2];
#pragma GCC unroll 6
  for (int r = 0; r < Rows; ++r) {
    sum[r][0] = _mm256_loadu_ps(acc + r * out);
    sum[r][1] = _mm256_loadu_ps(acc + r * out + kLanes);
  }
  for (int64_t p = 0; p < pixels; ++p) {
    const __m256 d0 = _mm256_loadu_ps(dy0 + p * kLanes), d1 = _mm256_loadu_ps(dy1 + p * kLanes);
#pragma GCC unroll 6
    for (int r = 0; r < Rows; ++r) {
      const __m256 x = _mm256_set1_ps(col[r * kPixels + p]);
      sum[r][0] = _mm256_fmadd_ps(x, d0, sum[r][0]);
      sum[r][1] = _mm256_fmadd_ps(x, d1, sum[r][1]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < Rows; ++r) {
    _mm256_storeu_ps(acc + r * out, sum[r][0]);
    _mm256_storeu_ps(acc + r * out + kLanes, sum[r][1]);
  }
}

// One work item: output pixels [first, first + pixels) of image n, summed into acc [taps][out]
// and bias [out]; col: the item's im2col, [taps][kPixels].
__attribute__((target("avx2,fma"), flatten)) void item(const SmallInputConv& c, int64_t n, int64_t first,
                                                       int64_t pixels, const float* src, const float* diff_dst,
                                                       float* col, float* acc, float* bias) {
  const int64_t taps_count = c.in_channels * c.kernel_h * c.kernel_w, out = c.out_channels;
  // The top-left input position of each pixel's window, worked out once per item.
  int64_t top[kPixels], left[kPixels];
  for (int64_t p = 0, y = first / c.out_w, x = first % c.out_w; p < pixels; ++p) {
    top[p] = y * c.stride_h - c.pad_top;
    left[p] = x * c.stride_w - c.pad_left;
    if (++x == c.out_w) x = 0, ++y;
  }
  for (int64_t k = 0; k < taps_count; ++k) {
    const int64_t i = k / (c.kernel_h * c.kernel_w), ky = k / c.kernel_w % c.kernel_h, kx = k % c.kernel_w;
    const float* plane = src + (n * c.in_channels + i) * c.in_h * c.in_w;
    for (int64_t p = 0; p < pixels; ++p) {
      const int64_t sy = top[p] + ky, sx = left[p] + kx;
      col[k * kPixels + p] = sy >= 0 && sy < c.in_h && sx >= 0 && sx < c.in_w ? plane[sy * c.in_w + sx] : 0.0f;
    }
  }
  const int64_t plane = c.out_h * c.out_w * kLanes;
  for (int64_t o = 0; o < out; o += 2 * kLanes) {
    const float* dy0 = diff_dst + (n * (out / kLanes) + o / kLanes) * plane + first * kLanes;
    const float* dy1 = dy0 + plane;
    for (int64_t k = 0; k < taps_count; k += kRows) {
      const float* taps_col = col + k * kPixels;
      float* at = acc + k * out + o;
      switch (std::min<int64_t>(kRows, taps_count - k)) {
        case 6: taps<6>(taps_col, dy0, dy1, pixels, at, out); break;
        case 5: taps<5>(taps_col, dy0, dy1, pixels, at, out); break;
        case 4: taps<4>(taps_col, dy0, dy1, pixels, at, out); break;
        case 3: taps<3>(taps_col, dy0, dy1, pixels, at, out); break;
        case 2: taps<2>(taps_col, dy0, dy1, pixels, at, out); break;
        default: taps<1>(taps_col, dy0, dy1, pixels, at, out); break;
      }
    }
    for (int64_t b = 0; b < 2; ++b) {
      const float* dy = b == 0 ? dy0 : dy1;
      __m256 sum = _mm256_loadu_ps(bias + o + b * kLanes);
      for (int64_t p = 0; p < pixels; ++p) sum = _mm256_add_ps(sum, _mm256_loadu_ps(dy + p * kLanes));
      _mm256_storeu_ps(bias + o + b * kLanes, sum);
    }
  }
}

}  // namespace

bool small_input_weight_gradient_fits(VectorIsa isa, int64_t in_channels, int64_t out_channels) {
  return isa == VectorIsa::avx2 && in_channels >= 1 && in_channels <= kMaxInputs && out_channels > 0 &&
         out_channels % (2 * kLanes) == 0;
}

void small_input_weight_gradient(const SmallInputConv& c, const float* src, const float* diff_dst,
                                 const std::vector<int64_t>& offsets, float* weight_grad, float* bias_grad) {
  const int64_t taps_count = c.in_channels * c.kernel_h * c.kernel_w, out = c.out_channels;
  const int64_t per_image = (c.out_h * c.out_w + kPixels - 1) / kPixels, items = c.n * per_image;
  const auto acc_size = static_cast<size_t>(taps_count * out);
  // Per thread: its sums of the weight gradient [taps][out], then of the bias gradient [out].
  // Kept per thread between calls (this runs at every step): the sums are zeroed each time.
  std::vector<const float*> sums(static_cast<size_t>(omp_get_max_threads()), nullptr);
#pragma omp parallel
  {
    thread_local std::vector<float> acc_buffer, col_buffer;
    float* acc = line_aligned(acc_buffer, static_cast<int64_t>(acc_size) + out);
    std::fill(acc, acc + acc_size + static_cast<size_t>(out), 0.0f);
    float* col = line_aligned(col_buffer, taps_count * kPixels);
    sums[static_cast<size_t>(omp_get_thread_num())] = acc;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < items; ++i) {
      const int64_t n = i / per_image, first = i % per_image * kPixels;
      item(c, n, first, std::min(kPixels, c.out_h * c.out_w - first), src, diff_dst, col, acc, acc + acc_size);
    }
  }
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t k = 0; k < taps_count; ++k) {
      float w = 0.0f;
      for (const float* part : sums)
        if (part) w += part[k * out + o];
      weight_grad[offsets[static_cast<size_t>(o * taps_count + k)]] = w;
    }
    if (!bias_grad) continue;
    float b = 0.0f;
    for (const float* part : sums)
      if (part) b += part[acc_size + static_cast<size_t>(o)];
    bias_grad[o] = b;
  }
}

}  // namespace expt::onednn
