// Residual networks (layers that read an earlier layer than the previous one, and add layers)
// against the reference: every activation, gradient and the input gradient of one step, and
// parameters, optimizer state and evaluation activations after several, in fp32 and
// fp32_strict.
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

void check_residual(const std::vector<LayerSpec>& layers, Shape input) {
  for (const Precision precision : {Precision::fp32, Precision::fp32_strict}) {
    CAPTURE(precision);
    NetworkOptions options;
    options.optimizer.kind = OptimizerConfig::Kind::momentum;
    options.max_batch = 4;
    options.seed = 21;
    options.precision = precision;
    Pair p = build_pair(layers, input, 5, options);
    const Batch batch = random_batch(p.plan, 4, 31);
    check_forward_backward(p, batch, 4, 0);
    // A smaller batch builds another pass, sharing the buffers of the first.
    check_forward_backward(p, batch, 3, 1);
    check_after_steps(p, batch, 4, 3, Tolerance{kRel, kAbs});
  }
}

}  // namespace

TEST_CASE("residual parity: identity shortcuts, a three-way add, batch norm and dropout") {
  check_residual(identity_residual(), Shape{3, 9, 9});
}

TEST_CASE("residual parity: a stride-2 1x1-conv shortcut, and a relu layer as shortcut") {
  check_residual(projection_residual(), Shape{3, 11, 10});
}

// A ResNet basic block's order: batch norm, then the add. Batch norm's backward reads the add's
// gradient in place (it only reads it), while the shortcut's gradient sum reads it too.
TEST_CASE("residual parity: batch norm reading an add's gradient that the shortcut reads too") {
  check_residual(named({conv(8, 3, 1, Padding::same, Activation::relu), conv(8, 3, 1, Padding::same, Activation::none, false),
                        simple(LayerKind::batch_norm), add_of({"conv2d0", "batch_norm2"}), simple(LayerKind::relu),
                        conv(8, 3, 1, Padding::same, Activation::none, false), simple(LayerKind::batch_norm),
                        add_of({"relu4", "batch_norm6"}), simple(LayerKind::global_avg_pool), dense(5)}),
                 Shape{3, 8, 8});
}

TEST_CASE("residual parity: the network input read by two layers before any parameter") {
  check_residual(input_shortcut(), Shape{3, 6, 7});
}

}  // namespace expt::onednn_test
