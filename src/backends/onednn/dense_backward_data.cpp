#include "backends/onednn/dense_backward_data.hpp"

// GCC 12's AVX-512 headers start intrinsics from _mm512_undefined_*(), which its own
// -Wmaybe-uninitialized and -Wuninitialized then report at every inlined call.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>

#include "backends/onednn/cpu_isa.hpp"
#include "backends/onednn/layouts.hpp"

namespace expt::onednn {

namespace {

constexpr int64_t kIn = 16, kOut = 64;   // the AB16b64a block: 16 inputs x 64 outputs
constexpr int kMaxRows = 12;             // samples per pass: 2 x 12 accumulators fit in 32 registers

// For one 16-input block column `kb`: two inputs at a time, `Rows` samples at a time, the dot
// products over all outputs run 16 lanes wide and are reduced at the end.
template <int Rows>
__attribute__((target("avx512f"))) void block_column(const float* diff_dst, const float* weights, float* diff_src,
                                                     int64_t first_row, int64_t out, int64_t in, int64_t kb) {
  const int64_t blocks_per_row = in / kIn;
  for (int64_t ki = 0; ki < kIn; ki += 2) {
    __m512 acc[Rows][2];
    for (int r = 0; r < Rows; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int64_t ob = 0; ob < out / kOut; ++ob) {
      const float* block = weights + (ob * blocks_per_row + kb) * kIn * kOut;
      for (int64_t c = 0; c < kOut; c += 16) {
        const __m512 w0 = _mm512_loadu_ps(block + ki * kOut + c);
        const __m512 w1 = _mm512_loadu_ps(block + (ki + 1) * kOut + c);
        for (int r = 0; r < Rows; ++r) {
          const __m512 d = _mm512_loadu_ps(diff_dst + (first_row + r) * out + ob * kOut + c);
          acc[r][0] = _mm512_fmadd_ps(d, w0, acc[r][0]);
          acc[r][1] = _mm512_fmadd_ps(d, w1, acc[r][1]);
        }
      }
    }
    for (int r = 0; r < Rows; ++r) {
      float* row = diff_src + (first_row + r) * in + kb * kIn + ki;
      row[0] = _mm512_reduce_add_ps(acc[r][0]);
      row[1] = _mm512_reduce_add_ps(acc[r][1]);
    }
  }
}

template <int Rows = kMaxRows>
void rows_of(int64_t rows, const float* diff_dst, const float* weights, float* diff_src, int64_t first_row,
             int64_t out, int64_t in, int64_t kb) {
  if constexpr (Rows > 1) {
    if (rows < Rows) return rows_of<Rows - 1>(rows, diff_dst, weights, diff_src, first_row, out, in, kb);
  }
  block_column<Rows>(diff_dst, weights, diff_src, first_row, out, in, kb);
}

}  // namespace

bool dense_backward_data_applies(const dnnl::memory::desc& weights) {
  // The ISA oneDNN runs with decides, so ONEDNN_MAX_CPU_ISA caps expt's own kernels too.
  static const bool avx512 = has_avx512_core();
  const dnnl::memory::dims dims = weights.dims();
  if (!avx512 || dims.size() != 2 || dims[0] % kOut != 0 || dims[1] % kIn != 0) return false;
  return same_layout(weights, dnnl::memory::desc(dims, dnnl::memory::data_type::f32,
                                                 dnnl::memory::format_tag::AB16b64a));
}

void dense_backward_data(const float* diff_dst, const float* weights, float* diff_src, int64_t n, int64_t out,
                         int64_t in) {
  const int64_t columns = in / kIn;
#pragma omp parallel for schedule(static)
  for (int64_t kb = 0; kb < columns; ++kb)
    for (int64_t first = 0; first < n; first += kMaxRows)
      rows_of(std::min<int64_t>(kMaxRows, n - first), diff_dst, weights, diff_src, first, out, in, kb);
}

}  // namespace expt::onednn
