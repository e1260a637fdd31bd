#include "backends/onednn/factored_weight_gradient.hpp"

// The vector paths pass GCC vectors between functions that are all inlined into their targeted
// entry points (flatten), so no call with the calling convention GCC warns about is ever made.
#pragma GCC diagnostic ignored "-Wpsabi"

#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "backends/onednn/factored_rows.hpp"
#include "core/error.hpp"

namespace expt::onednn {

namespace {

using factored_rows::Operands;

// The scalar path: g[o] = sum over s of X[s][k] * dY[s][o], the samples in order.
void expand_rows_scalar(const Operands& a, int64_t first_row, int64_t rows, float* grad) {
  for (int64_t r = 0; r < rows; ++r) {
    const factored_rows::Row row = factored_rows::row_of(a, first_row + r);
    float* g = grad + r * a.out_block;
    for (int64_t o = 0; o < a.out_block; ++o) g[o] = 0.0f;
    for (int64_t s = 0; s < a.n; ++s) {
      const float x = a.input[s * a.in + row.k];
      const float* d = a.diff_dst + s * a.out + row.first_out;
      for (int64_t o = 0; o < a.out_block; ++o) g[o] += x * d[o];
    }
  }
}

// The vector paths (factored_rows.hpp), each compiled into its targeted copy.
template <class P>
inline void expand_rows_vector(const Operands& a, int64_t first_row, int64_t rows, float* grad) {
  factored_rows::for_each_gradient_vector<P>(a, first_row, rows,
                                             [grad](int64_t at, typename P::V g) { P::store(grad + at, g); });
}

__attribute__((target("avx512f"), flatten)) void expand_rows_avx512(const Operands& a, int64_t first_row, int64_t rows,
                                                                    float* grad) {
  expand_rows_vector<factored_rows::Avx512>(a, first_row, rows, grad);
}

__attribute__((target("avx2,fma"), flatten)) void expand_rows_avx2(const Operands& a, int64_t first_row, int64_t rows,
                                                                    float* grad) {
  expand_rows_vector<factored_rows::Avx2>(a, first_row, rows, grad);
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
