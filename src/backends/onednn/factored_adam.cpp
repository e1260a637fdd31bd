// FactoredWeightGradient::update_adam: Adam's step inside the gradient's expansion. Apart, the
// expansion wrote 16 KiB of gradient into L1 and the update then streamed the weights and both
// moments from memory: the two phases took turns, the multiply-adds idle while the update waited
// on memory and the memory idle during the multiply-adds. Here each vector of the gradient goes
// straight from its accumulator into the update of the same 16 weights.
//
// Compiled with -ffp-contract=off (CMakeLists.txt), as optim/cpu_update.cpp is, so that Adam's
// formula rounds each element exactly as there; the expansion's multiply-adds are explicit
// (factored_rows.hpp), so they stay fused.
#pragma GCC diagnostic ignored "-Wpsabi"  // vectors pass only between functions flattened into one entry point

#include "backends/onednn/factored_rows.hpp"
#include "backends/onednn/factored_weight_gradient.hpp"

namespace expt::onednn {

namespace {

// How far ahead of the vector it updates, in floats, the update prefetches the weights and both
// moments. The range is one block of AB16b64a's rows (fc1: 128 inputs of 64 outputs, 32 KiB an
// array, when the forward takes the step), eight 4 KiB pages, and the hardware's prefetchers
// start again at each page's end. Fetched 16 lines ahead, fc1's forward taking the step took an
// eighth less time on the 2-core Zen 4 (docs/onednn-notes.md §26).
constexpr int64_t kPrefetchAhead = 256;
constexpr int64_t kFloatsPerLine = 16;  // a 64-byte cache line

struct AdamRanges {
  const AdamScalars& scalars;
  std::optional<float> decoupled_decay;
  float *weights, *first_moment, *second_moment;
};

template <class P>
inline void update_rows(const factored_rows::Operands& a, int64_t first_row, int64_t rows, const AdamRanges& u) {
  using V = typename P::V;
  const bool decoupled = u.decoupled_decay.has_value();
  const float decay = u.decoupled_decay.value_or(1.0f);
  const int64_t end = rows * a.out_block;
  factored_rows::for_each_gradient_vector<P>(a, first_row, rows, [&](int64_t at, V g) {
    if (at % kFloatsPerLine == 0 && at + kPrefetchAhead < end) {  // once a line, and within the range
      __builtin_prefetch(u.weights + at + kPrefetchAhead, 0, 3);
      __builtin_prefetch(u.first_moment + at + kPrefetchAhead, 0, 3);
      __builtin_prefetch(u.second_moment + at + kPrefetchAhead, 0, 3);
    }
    V p = P::load(u.weights + at), m = P::load(u.first_moment + at), v = P::load(u.second_moment + at);
    if (decoupled) p = p * decay;  // AdamW's scaling, which the unfused update does in a pass before
    adam_step(u.scalars, g, p, m, v, [](V x) { return P::square_root(x); });
    P::store(u.weights + at, p);
    P::store(u.first_moment + at, m);
    P::store(u.second_moment + at, v);
  });
}

__attribute__((target("avx512f"), flatten)) void update_rows_avx512(const factored_rows::Operands& a, int64_t first_row,
                                                                    int64_t rows, const AdamRanges& u) {
  update_rows<factored_rows::Avx512>(a, first_row, rows, u);
}

__attribute__((target("avx2,fma"), flatten)) void update_rows_avx2(const factored_rows::Operands& a, int64_t first_row,
                                                                    int64_t rows, const AdamRanges& u) {
  update_rows<factored_rows::Avx2>(a, first_row, rows, u);
}

}  // namespace

bool FactoredWeightGradient::update_adam(const AdamScalars& s, std::optional<float> decoupled_decay, int64_t begin,
                                         int64_t count, float* weights, float* first_moment,
                                         float* second_moment) const {
  const factored_rows::Operands a{input_.floats(), diff_dst_.floats(), n_, in_, out_, out_block_};
  const AdamRanges u{s, decoupled_decay, weights, first_moment, second_moment};
  const int64_t first_row = begin / out_block_, rows = count / out_block_;
  switch (isa_) {
    case VectorIsa::avx512:
      update_rows_avx512(a, first_row, rows, u);
      return true;
    case VectorIsa::avx2:
      update_rows_avx2(a, first_row, rows, u);
      return true;
    case VectorIsa::scalar:
      return false;
  }
  return false;
}

}  // namespace expt::onednn
