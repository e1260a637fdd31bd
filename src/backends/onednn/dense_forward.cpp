#include "backends/onednn/dense_forward.hpp"

// The loops are written once in GCC's vector extensions, on each path's vector type, and compiled
// into that path's targeted entry point (flatten), where `acc += x * w` becomes one FMA (GNU mode
// contracts by default). Functions that pass vectors are all inlined into those copies, so no
// call with the changed calling convention GCC warns about is ever made.
#pragma GCC diagnostic ignored "-Wpsabi"
// GCC 12's AVX-512 headers start intrinsics from _mm512_undefined_*(), which its own
// -Wmaybe-uninitialized then reports at every inlined call.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <vector>

#include "backends/onednn/deferred_adam.hpp"
#include "backends/onednn/float_vectors.hpp"
#include "backends/onednn/line_aligned.hpp"

namespace expt::onednn {

namespace {

// Inputs per span, the unit of work: each span's sums go to a buffer of their own, added in span
// order at the end, so that the result does not depend on the thread count.
constexpr int64_t kSpan = 2048;
// How far ahead, in inputs, the first group of rows prefetches the weights it reads, towards the
// outer caches (prefetcht2): the hardware's prefetchers stop at page ends (docs/onednn-notes.md
// §12). Without it fc1's forward took 1.2-1.7 times as long standalone, and with prefetches into
// L1 1.1-1.2 times.
constexpr int64_t kPrefetchAhead = 64;
constexpr int64_t kFloatsPerLine = 16;  // a 64-byte cache line

// A vector level: its lanes; the register block of the products, Vectors of outputs by Rows
// samples (24 accumulators, 4 weight vectors and a broadcast in AVX-512's 32 registers; 12, 2 and
// 1 in AVX2's 16); and the inputs per run, whose weights stay in the core's cache while each
// strip of outputs and group of rows reads them. Measured best on fc1 at batch 10: 128 inputs
// (64 KB of AB16b64a a strip of 64 outputs, 512 KB in all) on AVX-512, 64 (a 128 KB stretch of
// ba) on AVX2, where each strip of 16 outputs reads one cache line of each 2 KB weight row.
template <int Lanes, int Vectors, int Rows, int64_t Run>
struct Path : FloatVectors<Lanes> {
  static constexpr int kVectors = Vectors, kRows = Rows;
  static constexpr int64_t kOutputs = Vectors * Lanes, kRun = Run;
  static_assert(kSpan % kRun == 0);
};
// Each path's broadcast of one float, which GCC's `V{} + x` makes an addition and a shuffle.
struct Avx2 : Path<8, 2, 6, 64> {
  __attribute__((target("avx2"))) static V broadcast(float x) { return V(_mm256_set1_ps(x)); }
};
struct Avx512 : Path<16, 4, 6, 128> {
  __attribute__((target("avx512f"))) static V broadcast(float x) { return V(_mm512_set1_ps(x)); }
};
static_assert(64 % Avx2::kOutputs == 0 && 64 % Avx512::kOutputs == 0);  // whole outputs of a 64-wide block

// dst[r][o] += sum over k in [k0, k1) of src[r][k] * W[o][k] for Rows samples from `first_row`
// and the path's outputs from `o`, the sum over k in order in registers, then added to dst.
// W[o][k] lies at weights[(ob * in + k) * out_block + o % out_block] with ob = o / out_block:
// the 16-input blocks of one block row follow each other, so k steps by out_block floats.
template <class P, int Rows>
inline void products(const DenseForward& a, int64_t first_row, int64_t o, int64_t k0, int64_t k1) {
  using V = typename P::V;
  V acc[Rows][P::kVectors];
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < P::kVectors; ++v) acc[r][v] = V{};
  const float* w = a.weights + ((o / a.out_block) * a.in + k0) * a.out_block + o % a.out_block;
  const float* x = a.src + first_row * a.in;
  const bool prefetch = first_row == 0;
  for (int64_t k = k0; k < k1; ++k, w += a.out_block) {
    if (prefetch && k + kPrefetchAhead < a.in)
      for (int64_t line = 0; line < P::kOutputs; line += kFloatsPerLine)
        __builtin_prefetch(w + kPrefetchAhead * a.out_block + line, 0, 1);
    V wv[P::kVectors];
#pragma GCC unroll 4
    for (int v = 0; v < P::kVectors; ++v) wv[v] = P::load(w + v * P::kLanes);
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r) {
      const V xr = P::broadcast(x[r * a.in + k]);
#pragma GCC unroll 4
      for (int v = 0; v < P::kVectors; ++v) acc[r][v] += xr * wv[v];
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < P::kVectors; ++v) {
      float* d = a.dst + (first_row + r) * a.out + o + v * P::kLanes;
      P::store(d, P::load(d) + acc[r][v]);
    }
}

// The rows from `first_row` on, at most P::kRows of them: one instantiation per count.
template <class P, int Rows = P::kRows>
inline void rows_of(int64_t rows, const DenseForward& a, int64_t first_row, int64_t o, int64_t k0, int64_t k1) {
  if constexpr (Rows > 1) {
    if (rows < Rows) return rows_of<P, Rows - 1>(rows, a, first_row, o, k0, k1);
  }
  products<P, Rows>(a, first_row, o, k0, k1);
}

// One span of inputs [k0, k1): its runs in order, each over all outputs (the run's weights, 512 KB
// for fc1, stay in the core's cache while each strip of outputs and group of rows reads them),
// summed into `partial` {n, out}.
template <class P>
inline void span(const DenseForward& a, int64_t k0, int64_t k1, float* partial) {
  const DenseForward into{a.src, a.weights, nullptr, false, partial, a.n, a.out, a.in, a.out_block};
  std::fill(partial, partial + a.n * a.out, 0.0f);
  for (int64_t run = k0; run < k1; run += P::kRun) {
    const int64_t run_end = std::min(k1, run + P::kRun);
    if (a.deferred_step) a.deferred_step->take_inputs(run, run_end);
    for (int64_t o = 0; o < a.out; o += P::kOutputs)
      for (int64_t row = 0; row < a.n; row += P::kRows)
        rows_of<P>(std::min<int64_t>(P::kRows, a.n - row), into, row, o, run, run_end);
  }
}

__attribute__((target("avx2,fma"), flatten)) void avx2_span(const DenseForward& a, int64_t k0, int64_t k1,
                                                             float* partial) {
  span<Avx2>(a, k0, k1, partial);
}
__attribute__((target("avx512f"), flatten)) void avx512_span(const DenseForward& a, int64_t k0, int64_t k1,
                                                             float* partial) {
  span<Avx512>(a, k0, k1, partial);
}

}  // namespace

void dense_forward(VectorIsa isa, const DenseForward& a) {
  const int64_t spans = (a.in + kSpan - 1) / kSpan, per_span = a.n * a.out;
  thread_local std::vector<float> partials;  // kept between calls: the layer runs at every step
  float* partial = line_aligned(partials, spans * per_span);
  const auto run = isa == VectorIsa::avx512 ? avx512_span : avx2_span;
#pragma omp parallel
  {
#pragma omp for schedule(static)
    for (int64_t i = 0; i < spans; ++i) run(a, i * kSpan, std::min(a.in, (i + 1) * kSpan), partial + i * per_span);
    // The spans' sums added in span order, then bias and activation.
#pragma omp for schedule(static)
    for (int64_t e = 0; e < per_span; ++e) {
      float y = partial[e];
      for (int64_t i = 1; i < spans; ++i) y += partial[i * per_span + e];
      if (a.bias) y += a.bias[e % a.out];
      a.dst[e] = a.relu ? std::max(y, 0.0f) : y;
    }
  }
}

}  // namespace expt::onednn
