#pragma once
// A dense layer's backward-data, d(src) = d(dst) . W, for the weight layout oneDNN's forward
// picks for wide layers (AB16b64a: blocks of 16 inputs x 64 outputs, outputs innermost).
// Why our own: oneDNN 2.6's brgemm_bwd_d runs the seed network's 512 x 200704 layer at about a
// quarter of the machine's peak (33 ms of a 300 ms step), and storing the weights in its
// preferred layout sends the forward or backward-weights to oneDNN's `ref` (tried with
// standalone oneDNN programs). Here each dot product runs along the outputs, which that layout
// keeps contiguous: 23-26 ms for that layer (docs/benchmarks.md).
#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>

namespace expt::onednn {

// True when `weights` is f32 {out, in} in AB16b64a with out % 64 == 0 and in % 16 == 0 (no
// padding), and the CPU has AVX-512: what dense_backward_data handles.
bool dense_backward_data_applies(const dnnl::memory::desc& weights);

// diff_src[s][k] = sum over o of diff_dst[s][o] * weights[o][k], for s < n; diff_dst {n, out} and
// diff_src {n, in} are plain row-major. On the OpenMP threads; each element is summed by one
// thread in a fixed order, so results do not depend on the thread count.
void dense_backward_data(const float* diff_dst, const float* weights, float* diff_src, int64_t n, int64_t out,
                         int64_t in);

}  // namespace expt::onednn
