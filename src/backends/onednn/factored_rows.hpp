#pragma once
// The expansion of a factored weight gradient on the vector paths, shared by the two files that
// run it: factored_weight_gradient.cpp stores the gradient, factored_adam.cpp updates the weights
// with it straight from the registers. Each element is summed over the samples in order with one
// fused multiply-add, written out (`multiply_add`) rather than left to the compiler's contraction,
// so both files give the same bits although factored_adam.cpp is compiled without contraction (as
// Adam's formula needs, optim/adam_scalars.hpp).
//
// Include it only in files whose entry points are compiled per path (target attributes, flatten):
// its functions pass GCC vectors by value, which is harmless once inlined there.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
// GCC 12's AVX-512 headers start intrinsics from _mm512_undefined_*(), which its own
// -Wmaybe-uninitialized then reports at every inlined call.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>

#include "backends/onednn/float_vectors.hpp"

namespace expt::onednn::factored_rows {

constexpr int64_t kInBlock = 16;  // inputs per weight block

struct Operands {
  const float* input;     // X {n, in}
  const float* diff_dst;  // dY {n, out}
  int64_t n, in, out, out_block;
};

// Row `row` of the blocked gradient holds the out_block outputs of one input k, from output first_out.
struct Row {
  int64_t k, first_out;
};
inline Row row_of(const Operands& a, int64_t row) {
  const int64_t blocks_per_row = a.in / kInBlock, block = row / kInBlock;
  return Row{(block % blocks_per_row) * kInBlock + row % kInBlock, (block / blocks_per_row) * a.out_block};
}

struct Avx512 : FloatVectors<16> {
  __attribute__((target("avx512f"))) static V multiply_add(V a, V b, V c) { return V(_mm512_fmadd_ps(a, b, c)); }
  __attribute__((target("avx512f"))) static V square_root(V x) { return V(_mm512_sqrt_ps(x)); }
};
struct Avx2 : FloatVectors<8> {
  __attribute__((target("avx2,fma"))) static V multiply_add(V a, V b, V c) { return V(_mm256_fmadd_ps(a, b, c)); }
  __attribute__((target("avx"))) static V square_root(V x) { return V(_mm256_sqrt_ps(x)); }
};

// sink(at, g) for each vector g of `Rows` rows from `first_row` (rows come in pairs inside a
// 16-row block: two inputs, the same outputs), at offset `at` from `base`. Four vectors of
// outputs at a time: 8 accumulators stay in registers over the samples, enough independent
// multiply-adds to hide their latency (summing in memory made the expansion latency bound: 31
// ms for fc1). Every loop over the accumulators is unrolled outright, or GCC keeps them in
// memory (AVX2: 78 ms for fc1 instead of 16).
template <class P, int Rows, class Sink>
inline void row_group(const Operands& a, int64_t first_row, int64_t base, Sink& sink) {
  using V = typename P::V;
  constexpr int64_t kVectors = 4;
  Row row[Rows];
  for (int r = 0; r < Rows; ++r) row[r] = row_of(a, first_row + r);
  for (int64_t o = 0; o < a.out_block; o += kVectors * P::kLanes) {
    V acc[Rows][kVectors] = {};
    for (int64_t s = 0; s < a.n; ++s) {
      const float* d = a.diff_dst + s * a.out + row[0].first_out + o;
      V dv[kVectors];
#pragma GCC unroll 4
      for (int64_t v = 0; v < kVectors; ++v) dv[v] = P::load(d + v * P::kLanes);
#pragma GCC unroll 2
      for (int r = 0; r < Rows; ++r) {
        const V x = V{} + a.input[s * a.in + row[r].k];
#pragma GCC unroll 4
        for (int64_t v = 0; v < kVectors; ++v) acc[r][v] = P::multiply_add(x, dv[v], acc[r][v]);
      }
    }
#pragma GCC unroll 2
    for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
      for (int64_t v = 0; v < kVectors; ++v) sink(base + r * a.out_block + o + v * P::kLanes, acc[r][v]);
  }
}

// sink(at, g) for every vector of rows [first_row, first_row + rows), `at` counted from the
// first row's first element, in memory order.
template <class P, class Sink>
inline void for_each_gradient_vector(const Operands& a, int64_t first_row, int64_t rows, Sink&& sink) {
  int64_t r = 0;
  for (; r + 1 < rows && (first_row + r) % 2 == 0; r += 2) row_group<P, 2>(a, first_row + r, r * a.out_block, sink);
  for (; r < rows; ++r) row_group<P, 1>(a, first_row + r, r * a.out_block, sink);
}

}  // namespace expt::onednn::factored_rows

#pragma GCC diagnostic pop
