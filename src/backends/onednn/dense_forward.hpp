#pragma once
// A wide dense layer's forward at small batches, dst = act(src . W^T + bias), reading the weights
// in the layouts dense_backward_data reads (AB16b64a on AVX-512, ba on AVX2). At a batch of 10
// the seed network's fc1 (512 x 200704) is a read of its 411 MB of weights with 20 FLOPs a
// weight. In the training step, oneDNN 2.6 read it at 10-21 GB/s with brgemm on AVX-512 and at
// 6-8 GB/s with gemm:jit on AVX2, where a plain loop on two threads read 400 MB at 19-44 GB/s
// (docs/onednn-notes.md §12).
#include <cstdint>

#include "core/vector_isa.hpp"

namespace expt::onednn {

class DeferredAdam;

struct DenseForward {
  const float* src;      // {n, in}, plain row-major
  const float* weights;  // {out, in} in blocks of 16 inputs x out_block outputs, outputs innermost
  const float* bias;     // {out}, or null
  bool relu;             // max(0, .) after the bias
  float* dst;            // {n, out}, plain row-major
  int64_t n, out, in, out_block;
  // Or null: the weights' pending Adam step (deferred_adam.hpp), taken by the thread about to read
  // a run of inputs' weights just before it does, so it reads them updated from its cache. The
  // caller then marks the step taken.
  const DeferredAdam* deferred_step = nullptr;
};

// On the avx512 or avx2 path (at most cpu_vector_isa(); there is none for scalar), on the OpenMP
// threads, which share out spans of 2048 inputs. Each output is summed over the inputs in order,
// one fused multiply-add each, in runs of 128 (AVX-512) or 64 (AVX2) inputs; the runs' sums are
// added in order within a span, then the spans' in order. So results do not depend on the thread
// count, and the paths agree to float rounding. Needs out_block % 64 == 0 and in % 16 == 0 (what
// dense_weights_out_block accepts).
void dense_forward(VectorIsa isa, const DenseForward& operands);

}  // namespace expt::onednn
