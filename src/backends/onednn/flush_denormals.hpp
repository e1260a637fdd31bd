#pragma once
// Denormal floats (magnitudes below 2^-126) flushed to zero on the calling thread while an object
// lives: MXCSR's flush-to-zero (results) and denormals-are-zero (inputs) bits, restored on exit.
// Why: x86 cores take a microcode assist, of the order of a hundred cycles, for each vector
// instruction that reads or writes a denormal. Where the softmax saturates (the seed network's
// large initial logits, or a network that fits its batches), a batch's gradients fall to 1e-20
// and below, and Adam's (1 - beta2) g^2 lands among the denormals: the seed network's optimizer
// pass took 104-114 ms instead of 74-80 (docs/onednn-notes.md §23). TensorFlow's CPU thread pools
// run this way; PyTorch does not, by default. precision: fp32_strict keeps IEEE arithmetic.
#include <xmmintrin.h>

namespace expt::onednn {

class FlushDenormals {
 public:
  explicit FlushDenormals(bool flush) : saved_(_mm_getcsr()), flush_(flush) {
    if (flush_) _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero);
  }
  ~FlushDenormals() {
    if (flush_) _mm_setcsr(saved_);
  }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  static constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
  unsigned saved_;
  bool flush_;
};

}  // namespace expt::onednn
