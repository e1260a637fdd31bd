// Residual networks (layers that read an earlier layer than the previous one, and add layers)
// on the GPU against the reference: one step's activations, gradients and input gradient, then
// parameters and evaluation activations after several steps, in fp32_strict and TF32.
#include "cudnn_parity.hpp"

namespace expt::gpu_test {

namespace {

void check_residual(const std::vector<LayerSpec>& layers, Shape input) {
  for (const auto& [precision, tol] : kGpuPrecisions) {
    CAPTURE(precision);
    Pair p = build_pair(layers, input, 5, momentum_options(21), precision);
    const Batch batch = random_batch(p.plan, 4, 31);
    check_forward_backward(p, batch, 4, 0, tol);
    check_forward_backward(p, batch, 3, 1, tol);
    check_after_steps(p, batch, 4, 3, tol);
  }
}

}  // namespace

TEST_CASE("gpu residual parity: identity shortcuts, a three-way add, batch norm and dropout") {
  if (no_gpu()) return;
  check_residual(identity_residual(), Shape{3, 9, 9});
}

TEST_CASE("gpu residual parity: a stride-2 1x1-conv shortcut, and a relu layer as shortcut") {
  if (no_gpu()) return;
  check_residual(projection_residual(), Shape{3, 11, 10});
}

TEST_CASE("gpu residual parity: the network input read by two layers") {
  if (no_gpu()) return;
  check_residual(input_shortcut(), Shape{3, 6, 7});
}

}  // namespace expt::gpu_test
