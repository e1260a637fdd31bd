#include "backends/onednn/factored_weight_gradient.hpp"

#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"

namespace expt::onednn {

namespace {

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
Row row_of(const Operands& a, int64_t row) {
  const int64_t blocks_per_row = a.in / kInBlock, block = row / kInBlock;
  return Row{(block % blocks_per_row) * kInBlock + row % kInBlock, (block / blocks_per_row) * a.out_block};
}

// The scalar path: g[o] = sum over s of X[s][k] * dY[s][o], the samples in order.
void expand_rows_scalar(const Operands& a, int64_t first_row, int64_t rows, float* grad) {
  for (int64_t r = 0; r < rows; ++r) {
    const Row row = row_of(a, first_row + r);
    float* g = grad + r * a.out_block;
    for (int64_t o = 0; o < a.out_block; ++o) g[o] = 0.0f;
    for (int64_t s = 0; s < a.n; ++s) {
      const float x = a.input[s * a.in + row.k];
      const float* d = a.diff_dst + s * a.out + row.first_out;
      for (int64_t o = 0; o < a.out_block; ++o) g[o] += x * d[o];
    }
  }
}

// The vector paths, written once in GCC's vector extensions and compiled into each path's
// targeted copy, where `acc += x * d` becomes one FMA (GNU mode contracts). Two rows (two inputs,
// the same outputs: rows come in pairs inside a 16-row block) and four vectors of outputs at a
// time: 8 accumulators stay in registers over the samples, enough independent FMAs to hide
// their latency (summing in memory instead made the expansion latency bound: 31 ms for fc1).
template <class Vector, int Rows>
inline __attribute__((always_inline)) void expand_row_group(const Operands& a, int64_t first_row, float* grad) {
  constexpr int64_t kLanes = sizeof(Vector) / sizeof(float), kVectors = 4;
  Row row[Rows];
  for (int r = 0; r < Rows; ++r) row[r] = row_of(a, first_row + r);
  for (int64_t o = 0; o < a.out_block; o += kVectors * kLanes) {
    // Fully unrolled, so that the arrays become registers (without it GCC kept AVX2's in memory).
    Vector acc[Rows][kVectors] = {};
    for (int64_t s = 0; s < a.n; ++s) {
      const float* d = a.diff_dst + s * a.out + row[0].first_out + o;
      Vector dv[kVectors];
#pragma GCC unroll 4
      for (int64_t v = 0; v < kVectors; ++v) std::memcpy(&dv[v], d + v * kLanes, sizeof(Vector));
#pragma GCC unroll 2
      for (int r = 0; r < Rows; ++r) {
        const float x = a.input[s * a.in + row[r].k];
#pragma GCC unroll 4
        for (int64_t v = 0; v < kVectors; ++v) acc[r][v] += x * dv[v];
      }
    }
#pragma GCC unroll 2
    for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
      for (int64_t v = 0; v < kVectors; ++v) std::memcpy(grad + r * a.out_block + o + v * kLanes, &acc[r][v], sizeof(Vector));
  }
}

template <class Vector>
inline __attribute__((always_inline)) void expand_rows_vector(const Operands& a, int64_t first_row, int64_t rows,
                                                              float* grad) {
  int64_t r = 0;
  for (; r + 1 < rows && (first_row + r) % 2 == 0; r += 2) expand_row_group<Vector, 2>(a, first_row + r, grad + r * a.out_block);
  for (; r < rows; ++r) expand_row_group<Vector, 1>(a, first_row + r, grad + r * a.out_block);
}

using Vector16 = float __attribute__((vector_size(64)));
using Vector8 = float __attribute__((vector_size(32)));

__attribute__((target("avx512f"))) void expand_rows_avx512(const Operands& a, int64_t first_row, int64_t rows,
                                                           float* grad) {
  expand_rows_vector<Vector16>(a, first_row, rows, grad);
}

__attribute__((target("avx2,fma"))) void expand_rows_avx2(const Operands& a, int64_t first_row, int64_t rows,
                                                           float* grad) {
  expand_rows_vector<Vector8>(a, first_row, rows, grad);
}

// Row o of the plain gradient: the same products, summed in the same order.
EXPT_VECTOR_KERNEL void expand_plain_row(const float* __restrict input, const float* __restrict diff_dst, int64_t n,
                                         int64_t in, int64_t out, int64_t o, float* __restrict g) {
  for (int64_t k = 0; k < in; ++k) g[k] = 0.0f;
  for (int64_t s = 0; s < n; ++s) {
    const float d = diff_dst[s * out + o];
    const float* x = input + s * in;
    for (int64_t k = 0; k < in; ++k) g[k] += x[k] * d;
  }
}

}  // namespace

FactoredWeightGradient::FactoredWeightGradient(int64_t out, int64_t in, int64_t out_block, int64_t max_n,
                                               VectorIsa isa)
    : out_(out),
      in_(in),
      out_block_(out_block),
      max_n_(max_n),
      isa_(isa),
      input_(static_cast<size_t>(max_n * in) * sizeof(float)),
      diff_dst_(static_cast<size_t>(max_n * out) * sizeof(float)) {}

void FactoredWeightGradient::capture_diff_dst(const float* diff_dst, int64_t n) {
  if (n > max_n_)
    throw BackendError(fmt::format("onednn: a dense layer's gradient factors hold {} samples, not {}", max_n_, n));
  n_ = n;
  std::memcpy(diff_dst_.floats(), diff_dst, static_cast<size_t>(n * out_) * sizeof(float));
}

void FactoredWeightGradient::capture(const float* input, const float* diff_dst, int64_t n) {
  capture_diff_dst(diff_dst, n);
#pragma omp parallel for schedule(static)
  for (int64_t s = 0; s < n; ++s)
    std::memcpy(input_.floats() + s * in_, input + s * in_, static_cast<size_t>(in_) * sizeof(float));
}

void FactoredWeightGradient::capture(const uint16_t* input, const float* diff_dst, int64_t n) {
  capture_diff_dst(diff_dst, n);
  float* widened = input_.floats();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n * in_; ++i) widened[i] = std::bit_cast<float>(uint32_t{input[i]} << 16);  // fp32's upper half
}

void FactoredWeightGradient::expand(int64_t begin, int64_t count, float* grad) const {
  const Operands a{input_.floats(), diff_dst_.floats(), n_, in_, out_, out_block_};
  const int64_t first_row = begin / out_block_, rows = count / out_block_;
  switch (isa_) {
    case VectorIsa::avx512:
      return expand_rows_avx512(a, first_row, rows, grad);
    case VectorIsa::avx2:
      return expand_rows_avx2(a, first_row, rows, grad);
    case VectorIsa::scalar:
      return expand_rows_scalar(a, first_row, rows, grad);
  }
}

void FactoredWeightGradient::expand_plain(float* grad) const {
#pragma omp parallel for schedule(static)
  for (int64_t o = 0; o < out_; ++o)
    run_vectorised<expand_plain_row>(isa_, static_cast<const float*>(input_.floats()),
                                     static_cast<const float*>(diff_dst_.floats()), n_, in_, out_, o, grad + o * in_);
}

}  // namespace expt::onednn
