#pragma once
// The reference-vs-cudnn comparisons of tests/backends/parity/backend_parity.hpp, with cudnn's rule.
//
// Tolerances: |cudnn - reference| <= abs + rel * max|reference| over the tensor. Relative to the
// tensor's largest element rather than per element, because a GPU sums in other orders (split
// reductions, Winograd/FFT convolutions) whose error scales with the magnitudes summed, not
// with a small result. fp32_strict is tight; TF32 rounds GEMM/convolution inputs to 10
// mantissa bits (relative error about 5e-4 per product), so it gets a looser bound.
#include <string>
#include <utility>

#include "backends/cudnn/factory.hpp"
#include "parity/backend_parity.hpp"

namespace expt::gpu_test {

using namespace parity;

constexpr Tolerance kStrict{1e-4, 1e-6};  // FMA-only, but Winograd and split sums round differently
constexpr Tolerance kTf32{1e-2, 1e-5};

inline const UnderTest kCudnn{"cudnn", make_cudnn_backend, Scale::tensor_max};

// The precisions the whole-network cases run in, each with its tolerance.
inline const std::pair<Precision, Tolerance> kGpuPrecisions[] = {{Precision::fp32_strict, kStrict},
                                                                 {Precision::fp32, kTf32}};

// Momentum SGD at batch 4, the whole-network cases' optimizer: its state is compared too.
inline NetworkOptions momentum_options(uint64_t seed) {
  NetworkOptions options;
  options.optimizer.kind = OptimizerConfig::Kind::momentum;
  options.max_batch = 4;
  options.seed = seed;
  return options;
}

// True (after printing why, as a doctest MESSAGE visible in the test output) when this machine
// cannot run the cudnn backend.
inline bool no_gpu() {
  static const std::string reason = cudnn_unavailable_reason();
  if (reason.empty()) return false;
  MESSAGE("skipped, no usable GPU: " << reason);
  return true;
}

inline void check_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what,
                        Tolerance tol) {
  parity::check_close(got, want, what, kCudnn, tol);
}

// The reference runs in fp32; `precision` is the cudnn network's (fp32_strict or fp32/TF32).
inline Pair build_pair(const std::vector<LayerSpec>& layers, Shape input, int64_t classes,
                       const NetworkOptions& options, Precision precision) {
  return parity::build_pair(kCudnn, layers, input, classes, options, precision);
}

// A near-tie between two logits may flip under TF32; strict must agree exactly.
inline void check_forward_backward(Pair& p, const Batch& batch, int64_t n, uint64_t step, Tolerance tol) {
  parity::check_forward_backward(p, batch, n, step, tol, /*same_hits=*/tol.rel <= kStrict.rel);
}

}  // namespace expt::gpu_test
