// Whole training steps (forward, backward, update) with dropout on, against the reference:
// loss each step, then parameters, gradients and optimizer state in canonical layouts.
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

std::vector<LayerSpec> small_cnn() {
  return named({conv(16, 3, 1, Padding::same, Activation::relu), conv(20, 3, 2, Padding::valid, Activation::relu),
                pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::same), simple(LayerKind::dropout, 0.3),
                dense(24, Activation::relu), simple(LayerKind::dropout, 0.5), dense(5)});
}

void train_and_compare(OptimizerConfig::Kind kind, double learning_rate) {
  NetworkOptions options;
  options.optimizer.kind = kind;
  options.optimizer.weight_decay = kind == OptimizerConfig::Kind::adamw ? 0.01 : 0.0;
  options.max_batch = 4;
  options.seed = 99;
  Pair p = build_pair(small_cnn(), Shape{3, 13, 12}, 5, options);
  for (uint64_t step = 0; step < 4; ++step) {
    CAPTURE(step);
    const Batch batch = random_batch(p.plan, 4, 100 + step);
    const BatchMetrics want = p.reference->forward(batch.host(4), Phase::train, step);
    const BatchMetrics got = p.tested->forward(batch.host(4), Phase::train, step);
    CHECK(got.loss_sum == doctest::Approx(want.loss_sum).epsilon(kRel));
    p.reference->backward();
    p.tested->backward();
    p.reference->update(learning_rate, step + 1);
    p.tested->update(learning_rate, step + 1);
  }
  const int slots = optimizer_state_slots(kind);
  for (size_t i = 0; i < p.plan.params.size(); ++i) {
    const std::string& name = p.plan.params[i].name;
    check_close(read_param(*p.tested, i), read_param(*p.reference, i), "parameter " + name);
    check_close(read_grad(*p.tested, i), read_grad(*p.reference, i), "last gradient of " + name);
    // Slot 0 (momentum buffer, Adam's first moment) is linear in the gradients: their tolerance.
    // Adam's second moment is (1 - beta2) * g^2: twice the relative error, a tiny absolute scale.
    if (slots >= 1)
      check_close(read_state(*p.tested, i, 0), read_state(*p.reference, i, 0), "optimizer state 0 of " + name);
    if (slots >= 2)
      check_close(read_state(*p.tested, i, 1), read_state(*p.reference, i, 1), "optimizer state 1 of " + name, 2 * kRel,
                  1e-9);
  }
}

}  // namespace

TEST_CASE("training steps with dropout match the reference: sgd") {
  train_and_compare(OptimizerConfig::Kind::sgd, 0.05);
}
TEST_CASE("training steps with dropout match the reference: momentum") {
  train_and_compare(OptimizerConfig::Kind::momentum, 0.02);
}
TEST_CASE("training steps with dropout match the reference: adam") {
  train_and_compare(OptimizerConfig::Kind::adam, 1e-3);
}
TEST_CASE("training steps with dropout match the reference: adamw") {
  train_and_compare(OptimizerConfig::Kind::adamw, 1e-3);
}

TEST_CASE("optimizer state and parameters round-trip through the canonical layouts") {
  NetworkOptions options;
  options.optimizer.kind = OptimizerConfig::Kind::adam;
  options.max_batch = 2;
  const NetworkPlan plan = plan_network(small_cnn(), Shape{3, 13, 12}, 5);
  auto net = make_onednn_backend()->build(plan, options);
  for (size_t i = 0; i < plan.params.size(); ++i) {
    const auto values = random_floats(static_cast<size_t>(plan.params[i].size()), i);
    net->write_parameter(i, values);
    CHECK(read_param(*net, i) == values);
    for (int s = 0; s < 2; ++s) {
      const auto state = random_floats(values.size(), 1000 + i * 2 + s, 0.0f, 1.0f);
      net->write_optimizer_state(i, s, state);
      CHECK(read_state(*net, i, s) == state);
    }
  }
}

TEST_CASE("read_input_gradient needs a backward, and a read before any update") {
  NetworkOptions options;
  options.max_batch = 2;
  const NetworkPlan plan = plan_network(small_cnn(), Shape{3, 13, 12}, 5);
  auto net = make_onednn_backend()->build(plan, options);
  const Batch batch = random_batch(plan, 2, 1);
  std::vector<float> grad(static_cast<size_t>(2 * plan.input.size()));
  CHECK_THROWS_AS(net->read_input_gradient(grad), BackendError);
  net->forward(batch.host(2), Phase::train, 0);
  CHECK_THROWS_AS(net->read_input_gradient(grad), BackendError);
  net->backward();
  net->read_input_gradient(grad);
  const std::vector<float> first = grad;
  net->update(1e-3, 1);
  net->read_input_gradient(grad);  // computed before the update: still valid, not recomputed
  CHECK(grad == first);
  net->forward(batch.host(2), Phase::train, 1);
  net->backward();
  net->update(1e-3, 2);  // the input gradient was never read: it would now use the new weights
  CHECK_THROWS_AS(net->read_input_gradient(grad), BackendError);
  net->forward(batch.host(2), Phase::eval, 0);
  CHECK_THROWS_AS(net->backward(), BackendError);
}

}  // namespace expt::onednn_test
