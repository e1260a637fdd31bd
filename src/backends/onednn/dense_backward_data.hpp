#pragma once
// A dense layer's backward-data, d(src) = d(dst) . W, for the weight layouts oneDNN's forward
// picks for wide layers: AB16b64a on AVX-512 (blocks of 16 inputs x 64 outputs, outputs
// innermost) and ba on AVX2 (each input's outputs contiguous: AB16b<out>a, one block of all
// outputs). Why our own: oneDNN 2.6's brgemm_bwd_d runs the seed network's 512 x 200704 layer at
// about a quarter of the machine's peak (33 ms of a 300 ms step), and storing the weights in its
// preferred layout sends the forward or backward-weights to oneDNN's `ref` (tried with standalone
// oneDNN programs); on AVX2 its gemm backward-data wants the weights in ab, a 400 MB copy every
// step. Here each dot product runs along the outputs, which both layouts keep contiguous: 23-26 ms
// for that layer on AVX-512 (docs/benchmarks.md).
#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>

#include "core/vector_isa.hpp"

namespace expt::onednn {

// The outputs per block when `weights` is f32 {out, in} in AB16b64a or ba with in % 16 == 0 and
// the block a multiple of 64 outputs (no padding): what dense_backward_data reads. 0 otherwise.
int64_t dense_weights_out_block(const dnnl::memory::desc& weights);

struct DenseBackwardData {
  const float* diff_dst;  // {n, out}, plain row-major
  const float* weights;   // {out, in} in blocks of 16 inputs x out_block outputs, outputs innermost
  float* diff_src;        // {n, in}, plain row-major
  int64_t n, out, in, out_block;
};

// diff_src[s][k] = sum over o of diff_dst[s][o] * weights[o][k], on the avx512 or avx2 path (at
// most cpu_vector_isa(); there is no scalar one: oneDNN's primitive runs there). On the OpenMP
// threads; each element is summed by one thread in a fixed order, so results do not depend on
// the thread count. The paths sum in different orders (16 and 8 partial sums per dot product):
// they agree to float rounding, not bit for bit.
void dense_backward_data(VectorIsa isa, const DenseBackwardData& operands);

}  // namespace expt::onednn
