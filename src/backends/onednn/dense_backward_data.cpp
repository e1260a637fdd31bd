#include "backends/onednn/dense_backward_data.hpp"

// GCC 12's AVX-512 headers start intrinsics from _mm512_undefined_*(), which its own
// -Wmaybe-uninitialized and -Wuninitialized then report at every inlined call.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>

#include "backends/onednn/layouts.hpp"

namespace expt::onednn {

namespace {

constexpr int64_t kIn = 16;  // inputs per weight block

// One 16-input block column `kb` for `Rows` samples from `first_row`: two inputs at a time, the
// dot products over all outputs run a vector wide and are reduced at the end. Each path keeps
// 2 x Rows accumulators, two weight vectors and one gradient vector in registers.
struct Avx512 {
  static constexpr int kMaxRows = 12;  // 2 x 12 + 3 of 32 registers

  template <int Rows>
  __attribute__((target("avx512f"))) static void column(const DenseBackwardData& a, int64_t first_row, int64_t kb) {
    const int64_t blocks_per_row = a.in / kIn;
    for (int64_t ki = 0; ki < kIn; ki += 2) {
      __m512 acc[Rows][2];
      for (int r = 0; r < Rows; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
      for (int64_t ob = 0; ob < a.out / a.out_block; ++ob) {
        const float* block = a.weights + (ob * blocks_per_row + kb) * kIn * a.out_block;
        for (int64_t c = 0; c < a.out_block; c += 16) {
          const __m512 w0 = _mm512_loadu_ps(block + ki * a.out_block + c);
          const __m512 w1 = _mm512_loadu_ps(block + (ki + 1) * a.out_block + c);
          for (int r = 0; r < Rows; ++r) {
            const __m512 d = _mm512_loadu_ps(a.diff_dst + (first_row + r) * a.out + ob * a.out_block + c);
            acc[r][0] = _mm512_fmadd_ps(d, w0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(d, w1, acc[r][1]);
          }
        }
      }
      for (int r = 0; r < Rows; ++r) {
        float* row = a.diff_src + (first_row + r) * a.in + kb * kIn + ki;
        row[0] = _mm512_reduce_add_ps(acc[r][0]);
        row[1] = _mm512_reduce_add_ps(acc[r][1]);
      }
    }
  }
};

struct Avx2 {
  static constexpr int kMaxRows = 6;  // 2 x 6 + 3 of 16 registers

  __attribute__((target("avx2"))) static float sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }

  template <int Rows>
  __attribute__((target("avx2,fma"))) static void column(const DenseBackwardData& a, int64_t first_row, int64_t kb) {
    const int64_t blocks_per_row = a.in / kIn;
    for (int64_t ki = 0; ki < kIn; ki += 2) {
      __m256 acc[Rows][2];
      for (int r = 0; r < Rows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
      for (int64_t ob = 0; ob < a.out / a.out_block; ++ob) {
        const float* block = a.weights + (ob * blocks_per_row + kb) * kIn * a.out_block;
        for (int64_t c = 0; c < a.out_block; c += 8) {
          const __m256 w0 = _mm256_loadu_ps(block + ki * a.out_block + c);
          const __m256 w1 = _mm256_loadu_ps(block + (ki + 1) * a.out_block + c);
          for (int r = 0; r < Rows; ++r) {
            const __m256 d = _mm256_loadu_ps(a.diff_dst + (first_row + r) * a.out + ob * a.out_block + c);
            acc[r][0] = _mm256_fmadd_ps(d, w0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(d, w1, acc[r][1]);
          }
        }
      }
      for (int r = 0; r < Rows; ++r) {
        float* row = a.diff_src + (first_row + r) * a.in + kb * kIn + ki;
        row[0] = sum(acc[r][0]);
        row[1] = sum(acc[r][1]);
      }
    }
  }
};

template <class Path, int Rows = Path::kMaxRows>
void rows_of(int64_t rows, const DenseBackwardData& a, int64_t first_row, int64_t kb) {
  if constexpr (Rows > 1) {
    if (rows < Rows) return rows_of<Path, Rows - 1>(rows, a, first_row, kb);
  }
  Path::template column<Rows>(a, first_row, kb);
}

template <class Path>
void all_columns(const DenseBackwardData& a) {
  const int64_t columns = a.in / kIn;
#pragma omp parallel for schedule(static)
  for (int64_t kb = 0; kb < columns; ++kb)
    for (int64_t first = 0; first < a.n; first += Path::kMaxRows)
      rows_of<Path>(std::min<int64_t>(Path::kMaxRows, a.n - first), a, first, kb);
}

}  // namespace

int64_t dense_weights_out_block(const dnnl::memory::desc& weights) {
  const dnnl::memory::dims dims = weights.dims();
  if (dims.size() != 2 || dims[1] % kIn != 0) return 0;
  const auto is = [&](dnnl::memory::format_tag tag) {
    return same_layout(weights, dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tag));
  };
  const int64_t out_block = is(dnnl::memory::format_tag::AB16b64a) ? 64 : is(dnnl::memory::format_tag::ba) ? dims[0] : 0;
  return out_block > 0 && out_block % 16 == 0 && dims[0] % out_block == 0 ? out_block : 0;
}

void dense_backward_data(VectorIsa isa, const DenseBackwardData& operands) {
  if (isa == VectorIsa::avx512)
    all_columns<Avx512>(operands);
  else
    all_columns<Avx2>(operands);
}

}  // namespace expt::onednn
