// Frozen layers (`trainable: false`) on the GPU against the reference: zero gradients and no
// optimizer state for the frozen tensors, no input gradient, frozen weights unchanged after
// training, in fp32_strict and TF32.
#include "cudnn_parity.hpp"

namespace expt::gpu_test {

namespace {

void check_frozen_network(const std::vector<LayerSpec>& layers, uint64_t seed) {
  for (const auto& [precision, tol] : kGpuPrecisions) {
    CAPTURE(precision);
    Pair p = build_pair(layers, Shape{3, 8, 8}, 5, momentum_options(23), precision);
    check_frozen(p, random_batch(p.plan, 4, seed), 4, 3, tol);
  }
}

}  // namespace

TEST_CASE("gpu frozen parity: frozen conv, batch norm and dense between trained layers") {
  if (no_gpu()) return;
  check_frozen_network(frozen_middle(), 41);
}

TEST_CASE("gpu frozen parity: a frozen trunk under a trained head") {
  if (no_gpu()) return;
  check_frozen_network(frozen_trunk(), 43);
}

}  // namespace expt::gpu_test
