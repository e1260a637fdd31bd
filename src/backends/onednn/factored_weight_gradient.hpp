#pragma once
// A wide dense layer's weight gradient kept as its two factors, dW = dY^T . X (an {out, in}
// matrix of rank n, the batch size), and expanded a few KiB at a time inside the optimizer's pass,
// so the full gradient is never written to memory nor read back. Why: the seed network's fc1
// gradient (512 x 200704) is 392 MiB that backward-weights wrote and the optimizer read straight
// back, about 800 MB of a memory-bound step's traffic; its factors are n x (in + out) floats
// (8 MB at batch 10). Expanding costs n multiply-adds per element, which the optimizer's wait on
// memory mostly hides (docs/onednn-notes.md §12).
//
// The gradient is laid out like the weights dense_backward_data reads (AB16b64a, ba: blocks of
// 16 inputs x out_block outputs, outputs innermost), so a range of the weights' buffer and the
// same range of the gradient line up element for element.
#include <cstdint>
#include <optional>

#include "backends/onednn/buffers.hpp"
#include "core/vector_isa.hpp"
#include "optim/adam_scalars.hpp"

namespace expt::onednn {

class FactoredWeightGradient {
 public:
  // `isa`: the path the expansions take (at most cpu_vector_isa()). Every element is summed over
  // the samples in order with one multiply-add each, so expand() and expand_plain() give the same
  // bits; the vector paths fuse each multiply-add, the scalar path rounds twice.
  FactoredWeightGradient(int64_t out, int64_t in, int64_t out_block, int64_t max_n, VectorIsa isa);

  // Keeps copies of the last backward's factors: the layer's input X {n, in} and the gradient at
  // its pre-activation output dY {n, out}, both plain row-major. Copies, because the next forward
  // (an evaluation batch, say) overwrites both before the gradient may be read.
  void capture(const float* input, const float* diff_dst, int64_t n);
  // The same with the input in bf16 (bf16 training), widened exactly to fp32: the products are
  // then those of bf16 values, summed in fp32, as oneDNN's bf16 backward-weights forms them.
  void capture(const uint16_t* input, const float* diff_dst, int64_t n);

  // Elements [begin, begin + count) of the gradient in the weights' blocked layout; begin and
  // count are multiples of out_block(). Zeros before the first capture.
  void expand(int64_t begin, int64_t count, float* grad) const;
  // The whole gradient as a plain row-major {out, in} matrix, on the OpenMP threads.
  void expand_plain(float* grad) const;

  // Adam's step (AdamW's where `decoupled_decay` holds its factor) for elements [begin, begin +
  // count) of the weights and their two moments, from the gradient expanded in registers: the
  // same bits as expand() followed by cpu_optimizer_update(), without the gradient's round trip
  // through memory, and with the expansion's arithmetic overlapping the update's wait on it
  // (factored_adam.cpp, docs/onednn-notes.md §12). The ranges line up with the gradient's, as in
  // expand(). Returns false on the scalar path, which has no such form: the caller then does the two.
  bool update_adam(const AdamScalars& s, std::optional<float> decoupled_decay, int64_t begin, int64_t count,
                   float* weights, float* first_moment, float* second_moment) const;

  // Whether update_adam() has the form: the vector paths.
  bool has_adam_step() const { return isa_ != VectorIsa::scalar; }
  int64_t out_block() const { return out_block_; }
  int64_t bytes() const { return static_cast<int64_t>(input_.bytes() + diff_dst_.bytes()); }

 private:
  void capture_diff_dst(const float* diff_dst, int64_t n);  // and sets n_
  int64_t out_, in_, out_block_, max_n_;
  VectorIsa isa_;
  int64_t n_ = 0;  // samples of the last capture
  Buffer input_, diff_dst_;
};

}  // namespace expt::onednn
