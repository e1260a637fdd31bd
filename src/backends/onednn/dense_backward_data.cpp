#include "backends/onednn/dense_backward_data.hpp"

// GCC 12's AVX-512 headers start intrinsics from _mm512_undefined_*(), which its own
// -Wmaybe-uninitialized and -Wuninitialized then report at every inlined call.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
// The generic loop below passes vectors between functions compiled without a vector target; they
// are all inlined into each path's targeted copy, so no call with that ABI is ever made.
#pragma GCC diagnostic ignored "-Wpsabi"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "backends/onednn/layouts.hpp"

namespace expt::onednn {

namespace {

constexpr int64_t kIn = 16;     // inputs per weight block
constexpr int64_t kChunk = 64;  // outputs per inner loop: a fixed trip count the compiler unrolls
constexpr int64_t kFloatsPerLine = 16;  // a 64-byte cache line

// The loop below is written once in GCC's vector extensions, on each path's vector type, and
// compiled into that path's targeted copy (Path::column), where `acc += d * w` becomes one FMA
// (GNU mode contracts by default). Only the final sum of a vector's lanes comes from the path.
template <class Path, int Rows, int64_t OutBlock>
void column(const DenseBackwardData& a, int64_t first_row, int64_t kb);

template <class Vector>
Vector load(const float* p) {
  Vector v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Lanes and the samples per pass of each path: 2 x Rows accumulators + 3 vectors fit in its
// registers (32 on AVX-512, 16 on AVX2). Both sums add halves until one lane is left.
struct Avx512 {
  using Vector = __m512;
  static constexpr int kLanes = 16, kMaxRows = 12;
  __attribute__((target("avx512f"))) static float sum(Vector v) { return _mm512_reduce_add_ps(v); }
  template <int Rows, int64_t OutBlock>
  __attribute__((target("avx512f"), flatten)) static void column(const DenseBackwardData& a, int64_t first_row,
                                                                 int64_t kb) {
    onednn::column<Avx512, Rows, OutBlock>(a, first_row, kb);
  }
};

struct Avx2 {
  using Vector = __m256;
  static constexpr int kLanes = 8, kMaxRows = 6;
  __attribute__((target("avx2"))) static float sum(Vector v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
  template <int Rows, int64_t OutBlock>
  __attribute__((target("avx2,fma"), flatten)) static void column(const DenseBackwardData& a, int64_t first_row,
                                                                  int64_t kb) {
    onednn::column<Avx2, Rows, OutBlock>(a, first_row, kb);
  }
};

// One 16-input block column `kb` for `Rows` samples from `first_row`: two inputs at a time, the
// dot products over all outputs run a vector wide and are reduced at the end; 2 x Rows
// accumulators, two weight vectors and one gradient vector stay in registers. `OutBlock`: the
// outputs per weight block when known at compile time (AB16b64a's 64: the loops over them then
// cost a quarter less of the whole on fc1), 0 to read a.out_block (ba).
// The first row group also prefetches the same two rows of the next column's blocks: AB16b64a
// has a.out / 64 blocks per column, each a 4 KiB page of its own, and the hardware's prefetchers
// stop at page ends. With it fc1's backward-data fell from 38 to 24 ms in a standalone loop on
// the 2-core Zen 5 (docs/onednn-notes.md §12). Towards the outer caches (prefetcht2): on the Intel
// Xeon that took a tenth off again against prefetches into L1.
template <class Path, int Rows, int64_t OutBlock>
void column(const DenseBackwardData& a, int64_t first_row, int64_t kb) {
  using Vector = typename Path::Vector;
  const int64_t out_block = OutBlock > 0 ? OutBlock : a.out_block;
  const int64_t blocks_per_row = a.in / kIn;
  const bool prefetch = first_row == 0 && kb + 1 < blocks_per_row;
  for (int64_t ki = 0; ki < kIn; ki += 2) {
    Vector acc[Rows][2] = {};
    for (int64_t ob = 0; ob < a.out / out_block; ++ob) {
      const float* block = a.weights + (ob * blocks_per_row + kb) * kIn * out_block + ki * out_block;
      if (prefetch)
        for (int64_t o = 0; o < 2 * out_block; o += kFloatsPerLine) __builtin_prefetch(block + kIn * out_block + o, 0, 1);
      for (int64_t o = 0; o < out_block; o += kChunk) {
        const float* w = block + o;
        const float* d = a.diff_dst + first_row * a.out + ob * out_block + o;
        for (int64_t c = 0; c < kChunk; c += Path::kLanes) {
          const auto w0 = load<Vector>(w + c);
          const auto w1 = load<Vector>(w + out_block + c);
          for (int r = 0; r < Rows; ++r) {
            const auto dr = load<Vector>(d + r * a.out + c);
            acc[r][0] += dr * w0;
            acc[r][1] += dr * w1;
          }
        }
      }
    }
    for (int r = 0; r < Rows; ++r) {
      float* row = a.diff_src + (first_row + r) * a.in + kb * kIn + ki;
      row[0] = Path::sum(acc[r][0]);
      row[1] = Path::sum(acc[r][1]);
    }
  }
}

template <class Path, int64_t OutBlock, int Rows = Path::kMaxRows>
void rows_of(int64_t rows, const DenseBackwardData& a, int64_t first_row, int64_t kb) {
  if constexpr (Rows > 1) {
    if (rows < Rows) return rows_of<Path, OutBlock, Rows - 1>(rows, a, first_row, kb);
  }
  Path::template column<Rows, OutBlock>(a, first_row, kb);
}

template <class Path, int64_t OutBlock>
void all_columns(const DenseBackwardData& a) {
  const int64_t columns = a.in / kIn;
#pragma omp parallel for schedule(static)
  for (int64_t kb = 0; kb < columns; ++kb)
    for (int64_t first = 0; first < a.n; first += Path::kMaxRows)
      rows_of<Path, OutBlock>(std::min<int64_t>(Path::kMaxRows, a.n - first), a, first, kb);
}

template <class Path>
void all_columns(const DenseBackwardData& a) {
  if (a.out_block == kChunk)
    all_columns<Path, kChunk>(a);
  else
    all_columns<Path, 0>(a);
}

}  // namespace

int64_t dense_weights_out_block(const dnnl::memory::desc& weights) {
  const dnnl::memory::dims dims = weights.dims();
  if (dims.size() != 2 || dims[1] % kIn != 0) return 0;
  const auto is = [&](dnnl::memory::format_tag tag) {
    return same_layout(weights, dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tag));
  };
  const int64_t out_block = is(dnnl::memory::format_tag::AB16b64a) ? 64 : is(dnnl::memory::format_tag::ba) ? dims[0] : 0;
  return out_block > 0 && out_block % kChunk == 0 && dims[0] % out_block == 0 ? out_block : 0;
}

void dense_backward_data(VectorIsa isa, const DenseBackwardData& operands) {
  if (isa == VectorIsa::avx512)
    all_columns<Avx512>(operands);
  else
    all_columns<Avx2>(operands);
}

}  // namespace expt::onednn
