#include "backends/onednn/dense_backward_data.hpp"

// The generic loops below pass vectors between functions compiled without a vector target; they
// are all inlined into one targeted entry point, so no call with that ABI is ever made.
#pragma GCC diagnostic ignored "-Wpsabi"

#include <algorithm>
#include <cstring>

#include "backends/onednn/layouts.hpp"

namespace expt::onednn {

namespace {

constexpr int64_t kIn = 16;  // inputs per weight block

// A vector of `Lanes` floats in GCC's vector extensions: the loops below are written once and
// compiled into each path's targeted entry point, where the arithmetic becomes that path's
// instructions (`acc += d * w` one FMA: GNU mode contracts by default).
template <int Lanes>
struct Floats {
  typedef float Vector __attribute__((vector_size(4 * Lanes)));

  static Vector load(const float* p) {
    Vector v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }

  // Halves added until one lane is left: the order of _mm512_reduce_add_ps.
  static float sum(Vector v) {
    if constexpr (Lanes == 2) {
      float two[2];
      std::memcpy(two, &v, sizeof two);
      return two[0] + two[1];
    } else {
      typename Floats<Lanes / 2>::Vector low, high;
      std::memcpy(&low, &v, sizeof low);
      std::memcpy(&high, reinterpret_cast<const char*>(&v) + sizeof low, sizeof high);
      return Floats<Lanes / 2>::sum(low + high);
    }
  }
};

// One 16-input block column `kb` for `Rows` samples from `first_row`: two inputs at a time, the
// dot products over all outputs run a vector wide and are reduced at the end; 2 x Rows
// accumulators, two weight vectors and one gradient vector stay in registers.
template <int Lanes, int Rows>
void column(const DenseBackwardData& a, int64_t first_row, int64_t kb) {
  using F = Floats<Lanes>;
  const int64_t blocks_per_row = a.in / kIn;
  for (int64_t ki = 0; ki < kIn; ki += 2) {
    typename F::Vector acc[Rows][2] = {};
    for (int64_t ob = 0; ob < a.out / a.out_block; ++ob) {
      const float* block = a.weights + (ob * blocks_per_row + kb) * kIn * a.out_block;
      for (int64_t c = 0; c < a.out_block; c += Lanes) {
        const auto w0 = F::load(block + ki * a.out_block + c);
        const auto w1 = F::load(block + (ki + 1) * a.out_block + c);
        for (int r = 0; r < Rows; ++r) {
          const auto d = F::load(a.diff_dst + (first_row + r) * a.out + ob * a.out_block + c);
          acc[r][0] += d * w0;
          acc[r][1] += d * w1;
        }
      }
    }
    for (int r = 0; r < Rows; ++r) {
      float* row = a.diff_src + (first_row + r) * a.in + kb * kIn + ki;
      row[0] = F::sum(acc[r][0]);
      row[1] = F::sum(acc[r][1]);
    }
  }
}

// Lanes and the samples per pass of each path: 2 x Rows accumulators + 3 vectors fit in its
// registers (32 on AVX-512, 16 on AVX2).
struct Avx512 {
  static constexpr int kLanes = 16, kMaxRows = 12;
};
struct Avx2 {
  static constexpr int kLanes = 8, kMaxRows = 6;
};

template <class Path, int Rows = Path::kMaxRows>
void rows_of(int64_t rows, const DenseBackwardData& a, int64_t first_row, int64_t kb) {
  if constexpr (Rows > 1) {
    if (rows < Rows) return rows_of<Path, Rows - 1>(rows, a, first_row, kb);
  }
  column<Path::kLanes, Rows>(a, first_row, kb);
}

template <class Path>
void columns(const DenseBackwardData& a, int64_t first_kb, int64_t end_kb) {
  for (int64_t kb = first_kb; kb < end_kb; ++kb)
    for (int64_t first = 0; first < a.n; first += Path::kMaxRows)
      rows_of<Path>(std::min<int64_t>(Path::kMaxRows, a.n - first), a, first, kb);
}

// Entry points compiled for each path, with everything they call inlined into them.
__attribute__((target("avx512f"), flatten)) void avx512_columns(const DenseBackwardData& a, int64_t first_kb,
                                                               int64_t end_kb) {
  columns<Avx512>(a, first_kb, end_kb);
}

__attribute__((target("avx2,fma"), flatten)) void avx2_columns(const DenseBackwardData& a, int64_t first_kb,
                                                              int64_t end_kb) {
  columns<Avx2>(a, first_kb, end_kb);
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
  const auto columns_of = isa == VectorIsa::avx512 ? avx512_columns : avx2_columns;
  const int64_t columns = operands.in / kIn;
  // A few columns per call: the work of each is a full pass over 16 inputs' weights.
  constexpr int64_t kColumnsPerItem = 4;
#pragma omp parallel for schedule(static)
  for (int64_t first = 0; first < columns; first += kColumnsPerItem)
    columns_of(operands, first, std::min(first + kColumnsPerItem, columns));
}

}  // namespace expt::onednn
